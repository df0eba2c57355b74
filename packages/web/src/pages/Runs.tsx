import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useSession } from "../session.js";
import { Badge, Loaded, When } from "../ui.js";

const statuses = ["", "running", "succeeded", "failed", "cancelled", "stopped"];

/** The workspace's runs, newest first. */
export function Runs() {
  const { client, me } = useSession();
  const [status, setStatus] = useState("");
  const query = useQuery({
    queryKey: ["runs", me.workspace, status],
    queryFn: () => client.listRuns(me.workspace, { limit: 100, ...(status ? { status } : {}) }),
    refetchInterval: 10_000,
  });
  return (
    <section>
      <h2>Runs</h2>
      <label htmlFor="status">Status </label>
      <select id="status" value={status} onChange={(e) => setStatus(e.target.value)}>
        {statuses.map((s) => (
          <option key={s} value={s}>
            {s || "any"}
          </option>
        ))}
      </select>
      <Loaded query={query}>
        {(data) =>
          data.items.length === 0 ? (
            <p className="empty">No runs yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>run</th>
                  <th>workflow</th>
                  <th>agent</th>
                  <th>status</th>
                  <th>started</th>
                  <th>tool calls</th>
                  <th>model calls</th>
                  <th>cost</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link to={`/runs/${r.id}`}>{r.id}</Link>
                    </td>
                    <td>{r.workflow}</td>
                    <td>{r.agent ?? "—"}</td>
                    <td>
                      <Badge kind={r.status} />
                      {r.stopReason ? <span className="muted"> {r.stopReason}</span> : null}
                    </td>
                    <td>
                      <When at={r.startedAt} />
                    </td>
                    <td>{r.usage.toolCalls}</td>
                    <td>{r.usage.modelCalls}</td>
                    <td>${r.usage.costUsd.toFixed(4)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
