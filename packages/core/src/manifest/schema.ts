/**
 * The workflow manifest (DESIGN §2) as one zod schema. Objects are strict so a misspelt field is
 * an error, not a silently ignored line. Semantic checks that span fields live in checks.ts.
 */
import { z } from "zod";
import { checkManifest } from "./checks.js";
import { actionClasses, effects } from "../policy/types.js";
import { matchPattern } from "../policy/match.js";
import { parseWhen } from "../policy/cel.js";
import { duration, httpUrl, identName, oneOf, rate, ruleName, text, workflowName } from "./fields.js";
import { deciderRoleGroups } from "../approvals/groups.js";

const classEnum = oneOf(actionClasses as readonly ["READ", "WRITE", "DELETE", "EXTERNAL_SEND"]);
const effectEnum = oneOf(effects as readonly ["block", "approve", "allow"]);

const httpAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("bearer"), secretRef: text.meta({ description: "name of a workspace secret" }) }),
  z.strictObject({ type: z.literal("oauth2"), connection: text.meta({ description: "name of an OAuth connection" }) }),
  z.strictObject({ type: z.literal("none") }),
]);

const httpConnector = z.strictObject({
  type: z.literal("http"),
  baseUrl: httpUrl,
  timeout: duration.default("10s").meta({ description: "bound on one attempt of a call" }),
  auth: httpAuth.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  idempotency: z.boolean().optional().meta({ description: "the system honours an Idempotency-Key header" }),
});

const mcpConnector = z
  .strictObject({
    type: z.literal("mcp"),
    command: text.optional().meta({ description: "stdio server: the command to start" }),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    url: httpUrl.optional().meta({ description: "Streamable HTTP server address" }),
    timeout: duration.optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.command === undefined) === (c.url === undefined)) {
      ctx.addIssue({ code: "custom", message: "give exactly one of command (stdio) or url (Streamable HTTP)" });
    } else if (c.url !== undefined && (c.args !== undefined || c.env !== undefined)) {
      ctx.addIssue({ code: "custom", message: "args and env only apply to a stdio server (command)" });
    }
  });

export const connectorSchema = z.discriminatedUnion("type", [httpConnector, mcpConnector]);

const actionHttp = z.strictObject({
  method: oneOf(["GET", "POST", "PUT", "PATCH", "DELETE"]),
  path: z.string().regex(/^\/[^\s{}]*(?:\{[A-Za-z_][A-Za-z0-9_]*\}[^\s{}]*)*$/, {
    error: 'must start with "/" and write parameters as {name}',
  }),
  query: z.array(text).optional().meta({ description: "argument names sent as query parameters" }),
  body: oneOf(["json", "none"]).optional().meta({ description: "remaining arguments as a JSON body, or none" }),
});

const attempts = z.int().min(1).max(10);

/** Overrides of the workflow's retry policy, per system or per action. */
const retryOverride = z.strictObject({
  maxAttempts: attempts.optional(),
  initialDelay: duration.optional(),
  maxDelay: duration.optional(),
  maxElapsed: duration.optional(),
});

const actionSchema = z.strictObject({
  class: classEnum,
  description: z.string().optional(),
  http: actionHttp.optional(),
  tool: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({ description: "mcp: the upstream tool's name, when it is not the action's name (e.g. get-sum)" }),
  input: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: "JSON Schema of the arguments (mcp: defaults to the upstream tool's input schema)" }),
  retry: retryOverride.optional(),
  timeout: duration.optional(),
});

const systemSchema = z.strictObject({
  connector: connectorSchema,
  scopes: z.array(text).optional(),
  retry: retryOverride.optional(),
  actions: z.record(identName, actionSchema),
});

/** How many distinct people must approve a call (DESIGN §3 stage 7); stricter settings win. */
const approvalNeeds = z.strictObject({
  required: z.int().min(1).max(5).meta({ description: "distinct approvers needed before the call runs" }),
});

const ruleSchema = z.strictObject({
  name: ruleName,
  match: z.string().regex(matchPattern, { error: 'must be "system.action", "system.*" or a glob like "*.delete_*"' }),
  when: z
    .string()
    .superRefine((source, ctx) => {
      const parsed = parseWhen(source);
      if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
    })
    .optional()
    .meta({ description: "CEL condition over args, tool, run, usage, now" }),
  effect: effectEnum,
  reason: z.string().optional(),
  approvals: approvalNeeds.optional().meta({ description: "effect approve only: e.g. { required: 2 }" }),
});

/** A class default: an effect, or an effect with approval needs ({ effect: approve, approvals: { required: 2 } }). */
const classDefault = z.union([effectEnum, z.strictObject({ effect: effectEnum, approvals: approvalNeeds.optional() })]);

const policySchema = z.strictObject({
  defaults: z
    .strictObject({
      READ: classDefault.optional(),
      WRITE: classDefault.optional(),
      DELETE: classDefault.optional(),
      EXTERNAL_SEND: classDefault.optional(),
    })
    .optional(),
  rules: z.array(ruleSchema).optional(),
});

/**
 * A group approvals are addressed to: `role:admin` or `role:approver` (the keys of that role may
 * decide), or any other label (it routes notifications to the channels serving it).
 */
const approverGroup = text.refine((g) => !g.startsWith("role:") || deciderRoleGroups.includes(g), {
  error: `a role group is ${deciderRoleGroups.join(" or ")} (the roles whose keys may decide approvals)`,
});

const approvalsSchema = z.strictObject({
  timeout: duration.default("4h"),
  onTimeout: oneOf(["deny", "escalate"]).default("deny"),
  approvers: z
    .array(approverGroup)
    .min(1)
    .default(["role:approver"])
    .meta({ description: "who is asked; with role groups, only keys of those roles may decide" }),
  required: z.int().min(1).max(5).optional().meta({ description: "distinct approvals needed (default 1)" }),
  escalateTo: z
    .array(approverGroup)
    .min(1)
    .optional()
    .meta({ description: "onTimeout escalate: the approver group notified when the first timeout passes" }),
});

const budgetsSchema = z.strictObject({
  toolCalls: z.int().min(1).optional(),
  modelCalls: z.int().min(1).optional(),
  costUsd: z.number().positive().optional(),
  wallClock: duration.optional(),
  maxRepeats: z.int().min(1).optional().meta({ description: "same action with the same arguments, at most" }),
});

const retrySchema = z.strictObject({
  maxAttempts: attempts.default(3),
  initialDelay: duration.default("200ms"),
  maxDelay: duration.default("5s"),
  maxElapsed: duration.default("30s").meta({ description: "cap on the total time of all attempts of one call" }),
});

const dataSchema = z.strictObject({
  redact: z.array(text).optional().meta({ description: "detectors to apply, e.g. secrets, pii.email" }),
  fields: z.record(text, oneOf(["mask", "hash", "drop"])).optional(),
  modelProviders: z
    .array(
      z.strictObject({
        provider: text,
        purpose: text,
        sends: z.array(text),
        kinds: z.array(text).optional().meta({
          description:
            "kinds of personal data the prompts may carry (e.g. pii.email); the data-flow register warns about others seen",
        }),
      }),
    )
    .optional(),
  retention: z
    .strictObject({ runs: duration.optional(), payloads: duration.optional(), audit: duration.optional() })
    .optional(),
});

const manifestObject = z
  .strictObject({
    apiVersion: z.literal("tollgate/v1", { error: 'must be "tollgate/v1"' }),
    kind: z.literal("Workflow", { error: 'must be "Workflow"' }),
    name: workflowName,
    description: text,
    owner: text,
    start: text.meta({ description: "when a run of this workflow begins" }),
    end: text.meta({ description: "when a run of this workflow is done" }),
    actingAs: oneOf(["service", "user", "both"]).default("service"),
    systems: z.record(identName, systemSchema),
    policy: policySchema.prefault({}),
    approvals: approvalsSchema.prefault({}),
    budgets: budgetsSchema.prefault({}),
    retry: retrySchema.prefault({}),
    rateLimits: z.record(z.string(), rate).prefault({}),
    data: dataSchema.prefault({}),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .meta({ title: "Tollgate workflow manifest" });

/** The output type: defaults applied. */
export type Manifest = z.infer<typeof manifestObject>;

export const manifestSchema = manifestObject.superRefine(checkManifest);

export type ManifestInput = z.input<typeof manifestSchema>;
export type ConnectorManifest = z.infer<typeof connectorSchema>;
export type ActionManifest = z.infer<typeof actionSchema>;
export type RuleManifest = z.infer<typeof ruleSchema>;
