import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useSession } from "../session.js";
import { Badge, Json, Loaded, When } from "../ui.js";

/** One run as a timeline: every event of its audit record, in order, in words. */
export function RunTimeline() {
  const { id = "" } = useParams();
  const { client } = useSession();
  const query = useQuery({ queryKey: ["timeline", id], queryFn: () => client.timeline(id), refetchInterval: 5000 });
  return (
    <section>
      <p>
        <Link to="/runs">← Runs</Link>
      </p>
      <Loaded query={query}>
        {({ run, entries }) => (
          <>
            <h2>
              Run {run.id} <Badge kind={run.status} />
            </h2>
            <dl className="facts">
              <dt>workflow</dt>
              <dd>
                {run.workflow} <span className="muted">{run.workflowVersion}</span>
              </dd>
              <dt>agent</dt>
              <dd>{run.agent ?? "—"}</dd>
              <dt>started</dt>
              <dd>
                <When at={run.startedAt} />
              </dd>
              <dt>ended</dt>
              <dd>
                <When at={run.endedAt} />
                {run.stopReason ? ` (${run.stopReason})` : ""}
              </dd>
              <dt>usage</dt>
              <dd>
                {run.usage.toolCalls} tool calls, {run.usage.modelCalls} model calls, ${run.usage.costUsd.toFixed(4)}
              </dd>
              <dt>trace</dt>
              <dd>{run.traceId}</dd>
            </dl>
            <ol className="timeline">
              {entries.map((e) => (
                <li key={e.seq}>
                  <span className="at">
                    <When at={e.at} />
                  </span>{" "}
                  <span className="type">{e.type}</span> <span className="summary">{e.summary}</span>
                  {e.details && Object.keys(e.details).length > 0 ? (
                    <details>
                      <summary>details</summary>
                      <Json value={e.details} />
                    </details>
                  ) : null}
                </li>
              ))}
            </ol>
          </>
        )}
      </Loaded>
    </section>
  );
}
