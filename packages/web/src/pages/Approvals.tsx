import type { Approval, ApprovalDecision } from "@tollgate/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { decidesApprovals, errorText, useSession } from "../session.js";
import { Badge, Json, Loaded, When } from "../ui.js";

/** The approvals inbox: every pending call of the workspace, with what it would do and why it waits. */
export function Approvals() {
  const { client, me } = useSession();
  const [decided, setDecided] = useState<{ approval: Approval; outcome: ApprovalDecision } | null>(null);
  const query = useQuery({
    queryKey: ["approvals", me.workspace],
    queryFn: () => client.listApprovals(me.workspace, "pending"),
    refetchInterval: 5000,
  });
  return (
    <section>
      <h2>Approvals waiting</h2>
      {decidesApprovals.has(me.role) ? null : (
        <p className="muted">Your key ({me.role}) can read requests but not decide them.</p>
      )}
      {decided ? (
        <p className="decided" role="status">
          {decided.approval.tool} ({decided.approval.id}): {outcomeSentence(decided.outcome)}
        </p>
      ) : null}
      <Loaded query={query}>
        {(data) =>
          data.items.length === 0 ? (
            <p className="empty">Nothing is waiting for a decision.</p>
          ) : (
            <ul className="cards">
              {data.items.map((a) => (
                <li key={a.id}>
                  <ApprovalCard
                    approval={a}
                    canDecide={decidesApprovals.has(me.role)}
                    onDecided={(outcome) => setDecided({ approval: a, outcome })}
                  />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

function outcomeSentence(o: ApprovalDecision): string {
  if (o.status === "approved") return "approved; Tollgate runs the call now.";
  if (o.status === "denied") return "denied; the call will not run.";
  return `your approval is recorded (${o.approvals.count} of ${o.approvals.required}).`;
}

function ApprovalCard(props: { approval: Approval; canDecide: boolean; onDecided: (o: ApprovalDecision) => void }) {
  const a = props.approval;
  const { client, me } = useSession();
  const queries = useQueryClient();
  const [reason, setReason] = useState("");
  const decide = useMutation({
    mutationFn: (decision: "approve" | "deny") => client.decide(a.id, decision, reason.trim() || undefined, "ui"),
    onSuccess: props.onDecided,
    onSettled: () => queries.invalidateQueries({ queryKey: ["approvals", me.workspace] }),
  });
  return (
    <article className="card" aria-label={`approval ${a.id}`}>
      <header>
        <strong className="tool">{a.tool}</strong> {a.class ? <Badge kind={a.class} /> : null}
        <span className="muted">
          {" "}
          run <Link to={`/runs/${a.runId}`}>{a.runId}</Link>
        </span>
      </header>
      <p>{a.reason ?? "needs a person's approval"}</p>
      {a.rules.length > 0 ? <p className="muted">rules: {a.rules.join(", ")}</p> : null}
      <h3>Arguments</h3>
      <Json value={a.args} />
      <p className="muted">
        requested <When at={a.requestedAt} /> · expires <When at={a.expiresAt} /> · approvals {a.approvals.count} of{" "}
        {a.approvals.required}
      </p>
      {props.canDecide ? (
        <div className="decide">
          <label htmlFor={`reason-${a.id}`}>Reason (kept in the audit log)</label>
          <input id={`reason-${a.id}`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
          <button type="button" disabled={decide.isPending} onClick={() => decide.mutate("approve")}>
            Approve
          </button>
          <button type="button" className="deny" disabled={decide.isPending} onClick={() => decide.mutate("deny")}>
            Deny
          </button>
        </div>
      ) : null}
      {decide.error ? (
        <p className="problem" role="alert">
          {errorText(decide.error)}
        </p>
      ) : null}
    </article>
  );
}
