import type { Connection } from "@tollgate/sdk";
import { useQuery } from "@tanstack/react-query";
import { useSession } from "../session.js";
import { Badge, Loaded, When } from "../ui.js";

/** The workspace's OAuth connections: what each may do, for whom, and whether the grant goes wider than asked. */
export function Connectors() {
  const { client, me } = useSession();
  const query = useQuery({
    queryKey: ["connections", me.workspace],
    queryFn: () => client.listConnections(me.workspace),
  });
  return (
    <section>
      <h2>Connectors</h2>
      <p className="muted">
        The credentials Tollgate holds for the workflows' systems. Agents never see them; secrets set with{" "}
        <code>tollgate secrets set</code> are not shown anywhere.
      </p>
      <Loaded query={query}>
        {(data) =>
          data.items.length === 0 ? (
            <p className="empty">No OAuth connection: the workflows' systems use secrets from the vault, or none.</p>
          ) : (
            <ul className="cards">
              {data.items.map((c) => (
                <li key={c.name}>
                  <ConnectionCard connection={c} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

function ConnectionCard(props: { connection: Connection }) {
  const c = props.connection;
  return (
    <article className="card" aria-label={`connection ${c.name}`}>
      <header>
        <strong>{c.name}</strong> <Badge kind={c.kind} /> <span className="muted">{c.issuer}</span>
      </header>
      <p>
        for {c.systems.length > 0 ? c.systems.join(", ") : "no system yet"} · scopes asked:{" "}
        {c.scopes.length > 0 ? c.scopes.join(" ") : "none"}
      </p>
      {c.grants.length === 0 ? (
        <p className="muted">Nobody has connected yet (tollgate connectors connect {c.name}).</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>acting as</th>
              <th>status</th>
              <th>scopes granted</th>
              <th>connected</th>
              <th>token expires</th>
            </tr>
          </thead>
          <tbody>
            {c.grants.map((g) => (
              <tr key={`${g.actingAs.kind}:${g.actingAs.id}`}>
                <td>
                  {g.actingAs.kind} {g.actingAs.id}
                </td>
                <td>
                  <Badge kind={g.status} />
                </td>
                <td>
                  {g.scopesGranted.join(" ")}
                  {g.flagged ? <span className="problem"> wider than asked: {g.scopesWider.join(" ")}</span> : null}
                </td>
                <td>
                  <When at={g.connectedAt} />
                </td>
                <td>
                  <When at={g.expiresAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
