/**
 * What Tollgate knows about MCP tools without talking to one: the hash a tool definition is
 * pinned by, the class its annotations suggest, and the manifest draft written from a server's
 * tool list (`tollgate init --from-mcp`). The I/O (listing tools) lives in the server and CLI.
 */
import { hashJson } from "../canonical.js";
import type { ActionClass } from "../policy/types.js";

/** The part of an MCP tool (tools/list) that Tollgate reads. */
export interface McpToolDefinition {
  name: string;
  description?: string | undefined;
  inputSchema?: Record<string, unknown> | undefined;
  annotations?:
    | {
        title?: string | undefined;
        readOnlyHint?: boolean | undefined;
        destructiveHint?: boolean | undefined;
        idempotentHint?: boolean | undefined;
        openWorldHint?: boolean | undefined;
      }
    | undefined;
}

/** What a pin covers: the name, the description and the input schema, nothing else. */
export function pinnedPart(t: McpToolDefinition): { name: string; description: string | null; inputSchema: unknown } {
  return { name: t.name, description: t.description ?? null, inputSchema: t.inputSchema ?? null };
}

/** sha256 of the canonical JSON of the pinned part: equal definitions hash equal whatever their key order. */
export function toolDefinitionHash(t: McpToolDefinition): string {
  return `sha256:${hashJson(pinnedPart(t))}`;
}

/**
 * The class a tool's annotations suggest. Annotations are hints from the server, not promises,
 * which is why a draft marks each class as a suggestion: readOnlyHint → READ,
 * destructiveHint → DELETE, openWorldHint → EXTERNAL_SEND, otherwise WRITE.
 */
export function suggestClass(t: McpToolDefinition): { class: ActionClass; because: string } {
  const a = t.annotations ?? {};
  if (a.readOnlyHint === true) return { class: "READ", because: "readOnlyHint" };
  if (a.destructiveHint === true) return { class: "DELETE", because: "destructiveHint" };
  if (a.openWorldHint === true) return { class: "EXTERNAL_SEND", because: "openWorldHint" };
  return { class: "WRITE", because: "no read-only, destructive or open-world hint" };
}

/** A manifest name (`a-z0-9_`, starts with a letter, no `__`) for an MCP name like `get-sum` or `readFile`. */
export function actionNameFor(name: string, maxLength = 64): string {
  let s = name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[a-z]/.test(s)) s = `t_${s}`;
  return s.slice(0, maxLength).replace(/_+$/, "") || "tool";
}

export interface McpDraftInput {
  /** workflow name (a-z0-9-) */
  workflow: string;
  /** system name (a-z0-9_) */
  system: string;
  connector: { command: string; args: string[] } | { url: string };
  tools: McpToolDefinition[];
  /** how the server introduced itself, for the header comment */
  server?: { name?: string; version?: string } | undefined;
}

const q = (s: string) => JSON.stringify(s);
const comment = (s: string, max = 100) => {
  const line = s.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/**
 * A workflow manifest draft (YAML) with one action per tool. Each class is the annotations'
 * suggestion, marked so in a comment; the policy is the default one (reads run, writes and
 * external sends need a human, deletes are blocked). It passes `tollgate validate` as written.
 */
export function mcpManifestDraft(input: McpDraftInput): string {
  const { system } = input;
  const maxAction = 64 - system.length - 2;
  const used = new Set<string>();
  const lines: string[] = [];
  const who = input.server?.name
    ? `${input.server.name}${input.server.version ? ` ${input.server.version}` : ""}`
    : "the MCP server";
  lines.push(
    `# Workflow manifest DRAFT written by \`tollgate init\` from the tools of ${comment(who, 80)}.`,
    "# Every class below is a SUGGESTION read from the tool's annotations (readOnlyHint → READ,",
    "# destructiveHint → DELETE, openWorldHint → EXTERNAL_SEND, otherwise WRITE). Annotations are",
    "# hints from the server, not promises: read each one, fix the class, delete the actions this",
    "# workflow does not need, and fill in description, owner, start and end.",
    "# When the manifest is stored, Tollgate pins each tool's definition (name, description, input",
    "# schema); a later change to one is blocked until an admin accepts it (`tollgate tools accept`).",
    "apiVersion: tollgate/v1",
    "kind: Workflow",
    `name: ${input.workflow}`,
    `description: ${q(`Work done through the ${system} MCP server (describe the one job of this workflow)`)}`,
    `owner: ${q("TODO: the team that owns this workflow")}`,
    `start: ${q("TODO: when a run of this workflow begins")}`,
    `end: ${q("TODO: when a run of this workflow is done")}`,
    "actingAs: service",
    "",
    "systems:",
    `  ${system}:`,
    "    connector:",
    "      type: mcp",
  );
  if ("url" in input.connector) lines.push(`      url: ${q(input.connector.url)}`);
  else {
    lines.push(`      command: ${q(input.connector.command)}`);
    if (input.connector.args.length > 0) lines.push(`      args: [${input.connector.args.map(q).join(", ")}]`);
  }
  lines.push("    actions:");
  const tools = [...input.tools].sort((a, b) => a.name.localeCompare(b.name));
  if (tools.length === 0) lines.push("      {} # the server listed no tools");
  for (const t of tools) {
    let name = actionNameFor(t.name, maxAction);
    for (let i = 2; used.has(name); i++) name = `${actionNameFor(t.name, maxAction - 3)}_${i}`;
    used.add(name);
    const suggestion = suggestClass(t);
    if (t.description) lines.push(`      # ${comment(t.description)}`);
    lines.push(`      ${name}:`);
    if (name !== t.name) lines.push(`        tool: ${q(t.name)}`);
    lines.push(`        class: ${suggestion.class} # suggested from ${suggestion.because}; check it`);
  }
  lines.push(
    "",
    "policy:",
    "  # the default policy: reads run, writes and external sends wait for a human, deletes are blocked",
    "  defaults: { READ: allow, WRITE: approve, DELETE: block, EXTERNAL_SEND: approve }",
    "",
    "approvals: { timeout: 4h, onTimeout: deny, approvers: [role:approver] }",
    "budgets: { toolCalls: 100, wallClock: 1h, maxRepeats: 5 }",
    "",
  );
  return lines.join("\n");
}
