import type { UsageGroupBy } from "@tollgate/sdk";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../session.js";
import { Loaded } from "../ui.js";

const groupings: UsageGroupBy[] = ["day", "workflow", "model", "agent"];

/** A bar as wide as its share of the largest value: the chart of a small table. */
function Bar(props: { value: number; max: number; label: string }) {
  const percent = props.max > 0 ? Math.round((100 * props.value) / props.max) : 0;
  return (
    <span className="bar" title={props.label}>
      <span className="bar-fill" style={{ width: `${percent}%` }} />
      <span className="bar-label">{props.label}</span>
    </span>
  );
}

/** Usage and spend of the workspace: tool calls, model calls, tokens and cost, grouped. */
export function Usage() {
  const { client, me } = useSession();
  const [groupBy, setGroupBy] = useState<UsageGroupBy>("day");
  const query = useQuery({
    queryKey: ["usage", me.workspace, groupBy],
    queryFn: () => client.usage(me.workspace, { groupBy }),
  });
  return (
    <section>
      <h2>Usage and spend</h2>
      <label htmlFor="group-by">Group by </label>
      <select id="group-by" value={groupBy} onChange={(e) => setGroupBy(e.target.value as UsageGroupBy)}>
        {groupings.map((g) => (
          <option key={g} value={g}>
            {g}
          </option>
        ))}
      </select>
      <Loaded query={query}>
        {(u) => {
          const maxCost = Math.max(0, ...u.groups.map((g) => g.costUsd));
          const maxCalls = Math.max(0, ...u.groups.map((g) => g.toolCalls.total));
          return (
            <table className="usage">
              <thead>
                <tr>
                  <th>{u.groupBy}</th>
                  <th>tool calls</th>
                  <th>blocked</th>
                  <th>approvals</th>
                  <th>model calls</th>
                  <th>tokens in / out</th>
                  <th>cost</th>
                </tr>
              </thead>
              <tbody>
                {u.groups.map((g) => (
                  <tr key={g.key}>
                    <td>{g.key}</td>
                    <td>
                      <Bar value={g.toolCalls.total} max={maxCalls} label={String(g.toolCalls.total)} />
                    </td>
                    <td>{g.toolCalls.blocked}</td>
                    <td>{g.approvals.total}</td>
                    <td>{g.modelCalls}</td>
                    <td>
                      {g.inputTokens} / {g.outputTokens}
                    </td>
                    <td>
                      <Bar value={g.costUsd} max={maxCost} label={`$${g.costUsd.toFixed(4)}`} />
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th>total</th>
                  <th>{u.totals.toolCalls.total}</th>
                  <th>{u.totals.toolCalls.blocked}</th>
                  <th>{u.totals.approvals.total}</th>
                  <th>{u.totals.modelCalls}</th>
                  <th>
                    {u.totals.inputTokens} / {u.totals.outputTokens}
                  </th>
                  <th>${u.totals.costUsd.toFixed(4)}</th>
                </tr>
              </tfoot>
            </table>
          );
        }}
      </Loaded>
    </section>
  );
}
