import { workflowYaml } from "@tollgate/example-support-triage";
import type { FakeModelProvider } from "@tollgate/example-support-triage";
import type { Harness, Workspace } from "./harness.js";

/** Test prices: round numbers so expected costs are easy to state. */
export const testPrices = {
  "gpt-4o-mini": { inputPerMTok: 1, outputPerMTok: 2 },
  "gpt-4o": { inputPerMTok: 10, outputPerMTok: 20 },
  "claude-sonnet-4": { inputPerMTok: 3, outputPerMTok: 15 },
};

/** Points a workspace at the fake provider: an OpenAI-shaped and an Anthropic-shaped provider, test prices. */
export async function useFakeProvider(ws: Workspace, model: FakeModelProvider): Promise<void> {
  await ws.admin.putSecret(ws.workspace, "model-key", model.apiKey);
  await ws.admin.putModelProvider(ws.workspace, "openai", {
    kind: "openai",
    baseUrl: model.openaiBaseUrl,
    apiKeySecret: "model-key",
    models: ["gpt-4o-mini", "gpt-4o"],
  });
  await ws.admin.putModelProvider(ws.workspace, "anthropic", {
    kind: "anthropic",
    baseUrl: model.anthropicBaseUrl,
    apiKeySecret: "model-key",
    models: ["claude-sonnet-4"],
  });
  await ws.admin.putModelPrices(ws.workspace, testPrices);
}

/** The support-triage manifest under another name with other budgets (YAML flow mapping). */
export function workflowVariant(h: Harness, name: string, budgets: string): string {
  return workflowYaml(h.systems.url)
    .replace("name: support-triage", `name: ${name}`)
    .replace(/^budgets: .*$/m, `budgets: ${budgets}`);
}

/** An Anthropic Messages request through the proxy, as an Anthropic client sends it (x-api-key). */
export function anthropicRequest(url: string, runId: string, key: string, body: Record<string, unknown>) {
  return fetch(`${url}/v1/runs/${runId}/anthropic/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
}

/** Parses an event-stream body into its events. */
export function sseEvents(text: string): { event?: string; data: string }[] {
  return text
    .split(/\n\n/)
    .filter((b) => b.trim().length > 0)
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      return { ...(event ? { event } : {}), data };
    });
}
