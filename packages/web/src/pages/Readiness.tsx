import type { ReadinessCheck } from "@tollgate/sdk";
import { useQuery } from "@tanstack/react-query";
import { readsAudit, useSession } from "../session.js";
import { Badge, Loaded, When } from "../ui.js";

function Checks(props: { checks: ReadinessCheck[] }) {
  return (
    <ul className="checks">
      {props.checks.map((c) => (
        <li key={c.id} className={`check check-${c.status}`}>
          <Badge kind={c.status} /> <strong>{c.question}</strong> <span className="muted">({c.id})</span>
          <ul>
            {c.findings.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

/** The readiness report: the security review's questions, answered for each workflow and the record. */
export function Readiness() {
  const { client, me } = useSession();
  const allowed = readsAudit.has(me.role);
  const query = useQuery({
    queryKey: ["readiness", me.workspace],
    queryFn: () => client.readiness(me.workspace),
    enabled: allowed,
  });
  if (!allowed) return <p className="muted">The readiness report is for admin and auditor keys; yours is {me.role}.</p>;
  return (
    <section>
      <Loaded query={query}>
        {(r) => (
          <>
            <h2>
              Readiness of {r.workspace} <Badge kind={r.status} />
            </h2>
            <p className="muted">
              checked <When at={r.generatedAt} />
            </p>
            {r.workflows.map((w) => (
              <article key={w.workflow} className="card">
                <h3>
                  Workflow {w.workflow} <Badge kind={w.status} />
                </h3>
                <Checks checks={w.checks} />
              </article>
            ))}
            <article className="card">
              <h3>The audit record</h3>
              <Checks checks={r.record} />
            </article>
          </>
        )}
      </Loaded>
    </section>
  );
}
