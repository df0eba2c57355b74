// The model-proxy figure of `npm run bench`: the time to the first byte of a streamed chat
// completion through Tollgate's model proxy (auth, run, redaction, reservation and intent record,
// provider request) against the same request sent to the fake provider directly. The fake provider
// (examples/support-triage) runs in a child process of its own (fake-model-process.js) and
// answers at once.
import { Pool } from "undici";

const prompt = {
  model: "gpt-4o-mini",
  stream: true,
  max_tokens: 200,
  messages: [
    { role: "system", content: "You triage support tickets." },
    { role: "user", content: "Customer jane.doe@example.com: the CSV export is missing the totals column." },
  ],
};

/** Sends one streamed request; resolves with the ms to its first body chunk, after reading it all. */
async function firstByte(pool, path, headers) {
  const t0 = performance.now();
  const r = await pool.request({ method: "POST", path, headers, body: JSON.stringify(prompt) });
  if (r.statusCode !== 200) throw new Error(`model call ${r.statusCode}: ${await r.body.text()}`);
  let first;
  for await (const _chunk of r.body) first ??= performance.now() - t0;
  return first;
}

/** Scenarios (same shape as run.js's) for streamed model calls, direct and through the proxy. */
export async function modelScenarios({ url, admin, agentKey, iterations, warmup, concurrency, child }) {
  const provider = await child(["bench/fake-model-process.js"], {}, /^(\{.*\})$/m);
  const model = JSON.parse(provider.match[1]);
  try {
    await admin.putSecret("bench", "model-key", model.apiKey);
    await admin.putModelProvider("bench", "openai", {
      kind: "openai",
      baseUrl: model.openaiBaseUrl,
      apiKeySecret: "model-key",
      models: ["gpt-4o-mini"],
    });
    const agent = admin.withKey(agentKey);
    const run = await agent.startRun({ workspace: "bench", workflow: "support-triage" });
    const direct = new Pool(model.url, { connections: 32 });
    const governed = new Pool(url, { connections: 32 });
    const directCall = () =>
      firstByte(direct, "/v1/chat/completions", {
        authorization: `Bearer ${model.apiKey}`,
        "content-type": "application/json",
      });
    const governedCall = () =>
      firstByte(governed, `/v1/runs/${run.id}/openai/chat/completions`, {
        authorization: `Bearer ${agentKey}`,
        "content-type": "application/json",
      });
    const measure = async (n, parallel, fn) => {
      const samples = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next++ < n) samples.push(await fn());
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      samples.sort((a, b) => a - b);
      const at = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
      return {
        p50: at(50),
        p99: at(99),
        mean: samples.reduce((a, b) => a + b, 0) / samples.length,
        throughput: n / seconds,
      };
    };
    await measure(warmup, 1, directCall);
    await measure(warmup, 1, governedCall);
    const scenarios = [];
    for (const [label, parallel] of [
      ["sequential", 1],
      [`${concurrency} concurrent callers`, concurrency],
    ]) {
      const d = await measure(iterations, parallel, directCall);
      const g = await measure(iterations, parallel, governedCall);
      scenarios.push({
        name: `streamed model call, time to first byte (OpenAI SSE through the model proxy), ${label}`,
        direct: d,
        governed: g,
        added: { p50: g.p50 - d.p50, p99: g.p99 - d.p99 },
      });
    }
    await direct.close();
    await governed.close();
    return scenarios;
  } finally {
    provider.process.kill("SIGTERM");
  }
}
