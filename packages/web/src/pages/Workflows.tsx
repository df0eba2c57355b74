import type { SimulateResult } from "@tollgate/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useParams } from "react-router";
import { errorText, managesWorkflows, useSession } from "../session.js";
import { Badge, Json, Loaded, Problem, When } from "../ui.js";

/** The workspace's workflows: each one's active version. */
export function Workflows() {
  const { client, me } = useSession();
  const query = useQuery({ queryKey: ["workflows", me.workspace], queryFn: () => client.listWorkflows(me.workspace) });
  return (
    <section>
      <h2>Workflows</h2>
      <Loaded query={query}>
        {(data) =>
          data.items.length === 0 ? (
            <p className="empty">No workflow yet: put one with `tollgate workflows put`.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>workflow</th>
                  <th>active version</th>
                  <th>updated</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((w) => (
                  <tr key={w.name}>
                    <td>
                      <Link to={`/workflows/${w.name}`}>{w.name}</Link>
                    </td>
                    <td className="mono">{w.version}</td>
                    <td>
                      <When at={w.updatedAt} />
                    </td>
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

interface ManifestAction {
  class: string;
}
interface ManifestShape {
  systems?: Record<string, { actions?: Record<string, ManifestAction> }>;
}

/** One workflow: its manifest, a simulator that asks the policy without running anything, and (admins) a new version. */
export function Workflow() {
  const { name = "" } = useParams();
  const { client, me } = useSession();
  const query = useQuery({
    queryKey: ["workflow", me.workspace, name],
    queryFn: () => client.getWorkflow(me.workspace, name),
  });
  return (
    <section>
      <p>
        <Link to="/workflows">← Workflows</Link>
      </p>
      <Loaded query={query}>
        {(w) => (
          <>
            <h2>
              Workflow {w.name} <span className="muted mono">{w.version}</span>
            </h2>
            <Simulator workflow={w.name} manifest={w.manifest as ManifestShape} />
            <History workflow={w.name} />
            {managesWorkflows.has(me.role) ? <Editor workflow={w.name} manifest={w.manifest} /> : null}
            <h3>Manifest</h3>
            <Json value={w.manifest} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function actionsOf(m: ManifestShape): { id: string; cls: string }[] {
  return Object.entries(m.systems ?? {}).flatMap(([system, s]) =>
    Object.entries(s.actions ?? {}).map(([action, a]) => ({ id: `${system}.${action}`, cls: a.class })),
  );
}

function Simulator(props: { workflow: string; manifest: ManifestShape }) {
  const { client, me } = useSession();
  const actions = actionsOf(props.manifest);
  const [tool, setTool] = useState(actions[0]?.id ?? "");
  const [args, setArgs] = useState("{}");
  const [argsError, setArgsError] = useState<string | null>(null);
  const simulate = useMutation({
    mutationFn: (parsed: Record<string, unknown>) =>
      client.simulate(me.workspace, { workflow: props.workflow, tool, args: parsed }),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch (err) {
      return setArgsError(`the arguments are not JSON: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      return setArgsError("the arguments must be a JSON object");
    setArgsError(null);
    simulate.mutate(parsed as Record<string, unknown>);
  }
  const result: SimulateResult | undefined = simulate.data;
  return (
    <form className="card simulate" onSubmit={submit} aria-label="simulate a call">
      <h3>Simulate a call</h3>
      <p className="muted">What the policy decides for a call, without running it.</p>
      <label htmlFor="sim-tool">Action</label>
      <select id="sim-tool" value={tool} onChange={(e) => setTool(e.target.value)}>
        {actions.map((a) => (
          <option key={a.id} value={a.id}>
            {a.id} ({a.cls})
          </option>
        ))}
      </select>
      <label htmlFor="sim-args">Arguments (JSON)</label>
      <textarea id="sim-args" rows={4} value={args} onChange={(e) => setArgs(e.target.value)} />
      <button type="submit" disabled={simulate.isPending}>
        Decide
      </button>
      {argsError ? (
        <p className="problem" role="alert">
          {argsError}
        </p>
      ) : null}
      {simulate.error ? <Problem error={simulate.error} /> : null}
      {result ? (
        <p className="decision" role="status">
          <Badge kind={result.decision} /> {result.reason}
          {result.rules.length > 0 ? <span className="muted"> (rules: {result.rules.join(", ")})</span> : null}
        </p>
      ) : null}
    </form>
  );
}

interface ManifestProblem {
  path: string;
  message: string;
  line?: number;
}

/** A new version: the manifest as YAML or JSON; a manifest that does not validate changes nothing. */
function Editor(props: { workflow: string; manifest: unknown }) {
  const { client, me } = useSession();
  const queries = useQueryClient();
  const [text, setText] = useState(() => JSON.stringify(props.manifest, null, 2));
  const save = useMutation({
    mutationFn: () => client.putWorkflow(me.workspace, props.workflow, text),
    onSuccess: () =>
      Promise.all(
        ["workflow", "workflow-history", "workflow-diff"].map((key) =>
          queries.invalidateQueries({ queryKey: [key, me.workspace, props.workflow] }),
        ),
      ),
  });
  const problems = ((save.error as { problem?: { errors?: ManifestProblem[] } } | null)?.problem?.errors ??
    []) as ManifestProblem[];
  return (
    <form
      className="card editor"
      aria-label="new version"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h3>New version</h3>
      <p className="muted">
        Paste or edit the manifest (YAML or JSON). It is checked whole; if it does not validate, the active version
        keeps serving.
      </p>
      <label htmlFor="manifest-text">Manifest</label>
      <textarea
        id="manifest-text"
        rows={16}
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" disabled={save.isPending}>
        Validate and activate
      </button>
      {save.data ? (
        <p className="decided" role="status">
          Active: version {save.data.version}
        </p>
      ) : null}
      {save.error ? (
        <div className="problem" role="alert">
          <p>{errorText(save.error)}</p>
          <ul>
            {problems.map((p) => (
              <li key={`${p.path}:${p.message}`}>
                {p.path}
                {p.line ? ` (line ${p.line})` : ""}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </form>
  );
}

/** Every version of the workflow, and what changed between any of them and the active one. */
function History(props: { workflow: string }) {
  const { client, me } = useSession();
  const history = useQuery({
    queryKey: ["workflow-history", me.workspace, props.workflow],
    queryFn: () => client.workflowHistory(me.workspace, props.workflow),
  });
  const [from, setFrom] = useState<string | null>(null);
  const diff = useQuery({
    queryKey: ["workflow-diff", me.workspace, props.workflow, from],
    queryFn: () => client.workflowDiff(me.workspace, props.workflow, from ? { from } : {}),
    enabled: from !== null,
  });
  return (
    <article className="card" aria-label="history">
      <h3>History</h3>
      <Loaded query={history}>
        {(h) => (
          <table>
            <thead>
              <tr>
                <th>version</th>
                <th>put</th>
                <th>by</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {h.items.map((v) => (
                <tr key={v.version}>
                  <td className="mono">{v.version}</td>
                  <td>
                    <When at={v.createdAt} />
                  </td>
                  <td>{v.createdBy ?? "—"}</td>
                  <td>
                    {v.version === h.active ? (
                      <Badge kind="active" />
                    ) : (
                      <button type="button" className="small" onClick={() => setFrom(v.version)}>
                        Compare with active
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      {from !== null ? (
        <Loaded query={diff}>
          {(d) => (
            <section className="diff" aria-label="diff">
              <p className="muted mono">
                − {d.from.version}
                <br />+ {d.to.version}
              </p>
              {d.hunks.length === 0 ? <p className="empty">The two versions were written the same.</p> : null}
              {d.hunks.map((hunk) => (
                <pre key={`${hunk.oldStart}:${hunk.newStart}`} className="hunk">
                  <span className="hunk-head">{`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`}</span>
                  {hunk.lines.map((line, i) => (
                    <span
                      // a hunk's lines have no identity but their place, and never move once shown
                      key={i}
                      className={line.startsWith("+") ? "added" : line.startsWith("-") ? "removed" : "kept"}
                    >
                      {line}
                    </span>
                  ))}
                </pre>
              ))}
            </section>
          )}
        </Loaded>
      ) : null}
    </article>
  );
}
