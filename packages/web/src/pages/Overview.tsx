import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { readsAudit, useSession } from "../session.js";

/** What a person opening Tollgate wants first: what waits for them, what is running, what is wrong. */
export function Overview() {
  const { client, me } = useSession();
  const pending = useQuery({
    queryKey: ["approvals", me.workspace],
    queryFn: () => client.listApprovals(me.workspace, "pending"),
    refetchInterval: 5000,
  });
  const running = useQuery({
    queryKey: ["runs", me.workspace, "running"],
    queryFn: () => client.listRuns(me.workspace, { status: "running", limit: 100 }),
  });
  const alerts = useQuery({
    queryKey: ["alerts", me.workspace],
    queryFn: () => client.listAlerts(me.workspace, { acknowledged: false }),
  });
  const today = new Date().toISOString().slice(0, 10);
  const usage = useQuery({
    queryKey: ["usage", me.workspace, "today"],
    queryFn: () => client.usage(me.workspace, { groupBy: "day", from: `${today}T00:00:00.000Z` }),
  });
  const count = (q: { data?: { items: unknown[] } }, one: string, many: string) => {
    const n = q.data?.items.length;
    return (
      <>
        <span className="figure">{n ?? "…"}</span> {n === 1 ? one : many}
      </>
    );
  };
  return (
    <section>
      <h2>Workspace {me.workspace}</h2>
      <div className="tiles">
        <Link className="tile" to="/approvals">
          {count(pending, "approval waiting", "approvals waiting")}
        </Link>
        <Link className="tile" to="/runs">
          {count(running, "run running", "runs running")}
        </Link>
        <Link className="tile" to="/alerts">
          {count(alerts, "open alert", "open alerts")}
        </Link>
        <Link className="tile" to="/usage">
          <span className="figure">{usage.data ? usage.data.totals.toolCalls.total : "…"}</span> tool calls today,{" "}
          {usage.data ? `$${usage.data.totals.costUsd.toFixed(2)}` : "…"} model spend
        </Link>
        {readsAudit.has(me.role) ? (
          <Link className="tile" to="/readiness">
            <span className="figure">→</span> the readiness report
          </Link>
        ) : null}
      </div>
    </section>
  );
}
