import { useMutation } from "@tanstack/react-query";
import { useSession } from "../session.js";
import { Problem } from "../ui.js";

/** The audit record: verify its hash chain, or download the signed export to check offline. */
export function Audit() {
  const { client, me } = useSession();
  const verify = useMutation({ mutationFn: () => client.verifyAudit(me.workspace) });
  const download = useMutation({
    mutationFn: async () => {
      const text = await client.exportAudit(me.workspace);
      const url = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `tollgate-audit-${me.workspace}-${new Date().toISOString().slice(0, 10)}.ndjson`;
      a.click();
      URL.revokeObjectURL(url);
      return text.split("\n").filter((l) => l.length > 0).length;
    },
  });
  const v = verify.data;
  return (
    <section>
      <h2>Audit record</h2>
      <article className="card">
        <h3>Verify the hash chain</h3>
        <p className="muted">
          Every event is linked to the one before it; a changed, removed or reordered row breaks the chain.
        </p>
        <button type="button" disabled={verify.isPending} onClick={() => verify.mutate()}>
          Verify
        </button>
        {v ? (
          <p className={v.ok ? "decided" : "problem"} role="status">
            {v.ok
              ? `Intact: ${v.checked} events checked.`
              : `Broken at event ${v.firstBadSeq ?? "?"}${v.problem ? `: ${v.problem}` : ""} (${v.checked} checked before it).`}
          </p>
        ) : null}
        {verify.error ? <Problem error={verify.error} /> : null}
      </article>
      <article className="card">
        <h3>Export</h3>
        <p className="muted">
          The signed export (NDJSON: a header, the events, signed checkpoints), which{" "}
          <code>tollgate audit verify FILE</code> checks offline with the tenant's public key.
        </p>
        <button type="button" disabled={download.isPending} onClick={() => download.mutate()}>
          Download export
        </button>
        {download.data !== undefined ? (
          <p className="muted" role="status">
            Downloaded {download.data} lines.
          </p>
        ) : null}
        {download.error ? <Problem error={download.error} /> : null}
      </article>
    </section>
  );
}
