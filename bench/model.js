// The model-proxy figure of `npm run bench`: the time to the first byte of a streamed chat
// completion through Tollgate's model proxy (auth, run, redaction, reservation and intent record,
// provider request) against the same request sent to the fake provider directly. The fake provider
// (examples/support-triage) runs in a child process of its own (fake-model-process.js) and
// answers at once.
import { Pool } from "undici";
import { histogramTotals, pairedCalls, stageMeans, timeCalls } from "./measure.js";

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

const stagesMetric = "tollgate_model_call_stage_seconds";

/**
 * Scenarios (same shape as run.js's) for streamed model calls, direct and through the proxy. The
 * sequential one also says where a call's time goes inside the server (its stage histogram) and
 * the server's CPU per call, from `serverCpu()` (seconds used so far, undefined where unknown).
 */
export async function modelScenarios({ url, admin, agentKey, iterations, warmup, concurrency, child, serverCpu }) {
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
    await timeCalls(warmup, 1, directCall);
    await timeCalls(warmup, 1, governedCall);
    const scenarios = [];
    for (const [label, parallel] of [
      ["sequential", 1],
      [`${concurrency} concurrent callers`, concurrency],
    ]) {
      const before = await histogramTotals(governed, stagesMetric);
      let cpu = 0;
      const around = () => {
        const start = serverCpu();
        return () => {
          cpu += (serverCpu() ?? Number.NaN) - (start ?? Number.NaN);
        };
      };
      const m = await pairedCalls(iterations, parallel, directCall, governedCall, { around });
      if (!Number.isNaN(cpu)) m.governed.cpuMsPerCall = { server: (cpu / iterations) * 1000 };
      const scenario = {
        name: `streamed model call, time to first byte (OpenAI SSE through the model proxy), ${label}`,
        ...m,
      };
      if (parallel === 1)
        Object.assign(scenario, {
          stages: stageMeans(before, await histogramTotals(governed, stagesMetric)),
          stagesOf: "a sequential streamed model call",
          stagesMetric,
          stagesNote:
            "`intent` is everything before the provider is asked, `first_token` the provider's first chunk after that, `total` the whole call to its settlement after the last chunk.",
        });
      scenarios.push(scenario);
    }
    await direct.close();
    await governed.close();
    return scenarios;
  } finally {
    provider.process.kill("SIGTERM");
  }
}
