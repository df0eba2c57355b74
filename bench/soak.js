// `npm run soak`: a bounded soak. Mixed traffic (reads, approvals, blocked calls, upstream faults)
// against a real server process for SOAK_SECONDS (default 180), reporting throughput, errors and
// the server's memory every 15 s, then a summary. Not part of `npm test`. Loopback only.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const seconds = Number(process.env.SOAK_SECONDS ?? 180);
const workers = Number(process.env.SOAK_WORKERS ?? 8);

function child(args, env, ready) {
  const p = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ process: p, match: m });
    });
    p.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}: ${out}`)));
  });
}

const rssMiB = (pid) => {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
};

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "tollgate-soak-"));
  const { startExampleSystems, workflowYaml } = await import("../examples/support-triage/dist/index.js");
  const { TollgateClient, TollgateApiError } = await import("../packages/sdk/dist/index.js");
  const systems = await startExampleSystems({ port: 0, recordLimit: 1000 });
  const server = await child(
    ["packages/cli/bin/tollgate.js", "serve", "--port", "0", "--data-dir", dataDir],
    { TOLLGATE_ADMIN_KEY: "soak-operator" },
    /listening on (http:\/\/\S+)/,
  );
  const url = server.match[1];
  const pid = server.process.pid;
  try {
    const op = new TollgateClient({ url, key: "soak-operator" });
    await op.createTenant("soak");
    await op.createWorkspace("soak", "soak");
    const admin = op.withKey((await op.createKey("soak", "admin", "admin")).key);
    const agent = op.withKey((await op.createKey("soak", "agent", "agent")).key);
    const approver = op.withKey((await op.createKey("soak", "approver", "approver")).key);
    for (const [system, token] of Object.entries(systems.tokens))
      await admin.putSecret("soak", `${system}-token`, token);
    const manifest = workflowYaml(systems.url)
      .replace(/^budgets:.*$/m, "budgets: { toolCalls: 500, maxRepeats: 100 }")
      .replace(/^retry: .*$/m, "retry: { maxAttempts: 3, initialDelay: 20ms, maxDelay: 200ms }")
      .replace(/^rateLimits:.*$/m, "rateLimits: { chat: 200/s }");
    await admin.putWorkflow("soak", "support-triage", manifest);
    systems.setFaults({ system: "tracker", errorRate: 0.05 });

    const counts = { calls: 0, ok: 0, pending: 0, refused: 0, failed: 0, unexpected: 0, runs: 0 };
    const errors = new Map();
    const deadline = Date.now() + seconds * 1000;
    const step = async (fn) => {
      counts.calls++;
      try {
        const r = await fn();
        if (r?.status === "pending_approval") counts.pending++;
        else counts.ok++;
        return r;
      } catch (e) {
        if (!(e instanceof TollgateApiError)) {
          counts.unexpected++;
          errors.set(String(e.message), (errors.get(String(e.message)) ?? 0) + 1);
          return undefined;
        }
        if (["blocked", "outside_boundary", "rate_limited", "too_busy", "budget_exceeded"].includes(e.code))
          counts.refused++;
        else counts.failed++;
        errors.set(e.code, (errors.get(e.code) ?? 0) + 1);
        return undefined;
      }
    };
    const worker = async (w) => {
      while (Date.now() < deadline) {
        const run = await agent.startRun({ workspace: "soak", workflow: "support-triage", agent: `soak-${w}` });
        counts.runs++;
        for (let i = 0; i < 20 && Date.now() < deadline; i++) {
          await step(() => agent.callTool(run.id, "helpdesk.get_ticket", { id: `T-100${1 + (i % 5)}` }));
          await step(() => agent.callTool(run.id, "tracker.search_issues", { q: `w${w}-${i}` }));
          await step(() =>
            agent.callTool(run.id, "chat.post_message", { channel: "#support-soak", text: `w${w} ${i}` }),
          );
          if (i % 5 === 0) await step(() => agent.callTool(run.id, "tracker.delete_issue", { id: "SUP-1" }));
          if (i % 10 === 0) {
            const p = await step(() =>
              agent.callTool(run.id, "tracker.create_issue", { project: "SUP", title: `soak ${w}-${i}` }),
            );
            if (p?.approvalId) await approver.decide(p.approvalId, i % 20 === 0 ? "approve" : "deny", "soak");
          }
        }
        await agent.finishRun(run.id, "succeeded").catch(() => {});
      }
    };
    const started = Date.now();
    const rows = [];
    let last = 0;
    const sample = setInterval(() => {
      const t = Math.round((Date.now() - started) / 1000);
      rows.push({
        t,
        calls: counts.calls,
        perSecond: Math.round((counts.calls - last) / 15),
        rssMiB: rssMiB(pid),
        unexpected: counts.unexpected,
      });
      last = counts.calls;
      console.log(
        `t=${t}s calls=${counts.calls} (${rows.at(-1).perSecond}/s) rss=${rows.at(-1).rssMiB} MiB unexpected=${counts.unexpected}`,
      );
    }, 15_000);
    await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
    clearInterval(sample);
    const verify = await op.withKey((await op.createKey("soak", "auditor", "auditor")).key).verifyAudit("soak");
    const total = (Date.now() - started) / 1000;
    console.log("\nsummary");
    console.log(
      JSON.stringify(
        {
          seconds: Math.round(total),
          workers,
          ...counts,
          callsPerSecond: Math.round(counts.calls / total),
          rssMiBAtEnd: rssMiB(pid),
          errors: Object.fromEntries(errors),
          auditChain: verify,
        },
        null,
        2,
      ),
    );
    if (counts.unexpected > 0 || !verify.ok) process.exitCode = 1;
  } finally {
    server.process.kill("SIGTERM");
    await systems.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
