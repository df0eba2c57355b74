import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { readsAudit, useSession } from "../session.js";
import { Loaded, When } from "../ui.js";

/** How long each workflow's records are kept, and the legal holds that keep them longer. */
export function Retention() {
  const { client, me } = useSession();
  const allowed = readsAudit.has(me.role);
  const query = useQuery({
    queryKey: ["retention", me.workspace],
    queryFn: () => client.retention(me.workspace),
    enabled: allowed,
  });
  if (!allowed) return <p className="muted">Retention is for admin and auditor keys; yours is {me.role}.</p>;
  return (
    <section>
      <h2>Retention</h2>
      <Loaded query={query}>
        {(r) => (
          <>
            <p className="muted">
              Payloads (arguments, results, prompts) are purged after their window and the decision record is kept;
              whole runs after theirs; the audit chain's oldest events after theirs, behind a signed checkpoint.
            </p>
            <table>
              <thead>
                <tr>
                  <th />
                  <th>payloads</th>
                  <th>runs</th>
                  <th>audit</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td>workspace</td>
                  <td>{r.effective.payloads}</td>
                  <td>{r.effective.runs}</td>
                  <td>{r.effective.audit}</td>
                </tr>
                {r.workflows.map((w) => (
                  <tr key={w.workflow}>
                    <td>workflow {w.workflow}</td>
                    <td>{w.windows.payloads}</td>
                    <td>{w.windows.runs}</td>
                    <td>{w.windows.audit}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Legal holds</h3>
            {r.legalHolds.length === 0 ? (
              <p className="empty">No legal hold.</p>
            ) : (
              <ul>
                {r.legalHolds.map((h) => (
                  <li key={h.id}>
                    {h.runId ? (
                      <>
                        run <Link to={`/runs/${h.runId}`}>{h.runId}</Link>
                      </>
                    ) : (
                      "the whole workspace"
                    )}
                    : {h.reason}{" "}
                    <span className="muted">
                      ({h.createdBy}, <When at={h.createdAt} />)
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
