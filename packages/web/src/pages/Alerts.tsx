import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { decidesApprovals, errorText, useSession } from "../session.js";
import { Badge, Loaded, When } from "../ui.js";

/** Alerts not yet acknowledged: spend, repeats, failing sinks, unknown outcomes, floods. */
export function Alerts() {
  const { client, me } = useSession();
  const queries = useQueryClient();
  const query = useQuery({
    queryKey: ["alerts", me.workspace],
    queryFn: () => client.listAlerts(me.workspace, { acknowledged: false }),
    refetchInterval: 10_000,
  });
  const ack = useMutation({
    mutationFn: (id: string) => client.acknowledgeAlert(id),
    onSettled: () => queries.invalidateQueries({ queryKey: ["alerts", me.workspace] }),
  });
  return (
    <section>
      <h2>Alerts</h2>
      {ack.error ? (
        <p className="problem" role="alert">
          {errorText(ack.error)}
        </p>
      ) : null}
      <Loaded query={query}>
        {(data) =>
          data.items.length === 0 ? (
            <p className="empty">No open alerts.</p>
          ) : (
            <ul className="cards">
              {data.items.map((a) => (
                <li key={a.id}>
                  <article className="card" aria-label={`alert ${a.id}`}>
                    <header>
                      <Badge kind={a.severity} /> <strong>{a.kind}</strong>{" "}
                      <span className="muted">
                        <When at={a.createdAt} />
                        {a.runId ? (
                          <>
                            {" "}
                            · run <Link to={`/runs/${a.runId}`}>{a.runId}</Link>
                          </>
                        ) : null}
                      </span>
                    </header>
                    <p>{a.message}</p>
                    {decidesApprovals.has(me.role) ? (
                      <button type="button" disabled={ack.isPending} onClick={() => ack.mutate(a.id)}>
                        Acknowledge
                      </button>
                    ) : null}
                  </article>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}
