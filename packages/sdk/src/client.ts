import type {
  ActingAs,
  Approval,
  Connection,
  CreateConnectionInput,
  ApprovalDecision,
  ApprovalDetail,
  NotificationChannel,
  NotificationSettings,
  PolicySuggestionsResult,
  AuditEvent,
  AuditPublicKey,
  AuditSink,
  Problem,
  Run,
  SimulateResult,
  SinkDefinition,
  Timeline,
  ToolCall,
  ToolPin,
  VerifyResult,
  WhoAmI,
  WorkflowDiff,
  WorkflowHistory,
  WorkflowVersion,
} from "./types.js";
import type {
  Alert,
  DataFlowRegister,
  ModelPrice,
  ModelPrices,
  ModelProvider,
  SpendCaps,
  Usage,
  UsageGroupBy,
} from "./model-types.js";
import type {
  ActivationResult,
  EvalReportReceipt,
  Prompt,
  RecordedCalls,
  Release,
  ReleaseActivation,
  ReplayResult,
  RunPinning,
} from "./change-control-types.js";
import type { LegalHold, PurgeReport, RetentionView, TenantDeletion } from "./data-types.js";
import type { ReadinessReport } from "./readiness-types.js";

/** An error answer of the API, with its problem document. */
export class TollgateApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
    this.name = "TollgateApiError";
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
  }
}

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8787 */
  url: string;
  key: string;
  fetch?: typeof fetch;
}

export interface ToolCallOptions {
  idempotencyKey?: string;
  /** seconds to wait for an approval inside this request */
  wait?: number;
}

const enc = encodeURIComponent;

/** The typed client of the Tollgate HTTP API. It imports nothing of the server. */
export class TollgateClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.url.replace(/\/$/, "");
    // a browser's fetch must be called on the window, not as a method of this client
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  withKey(key: string): TollgateClient {
    return new TollgateClient({ ...this.opts, key });
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const isText = typeof body === "string";
    const res = await this.doFetch(`${this.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.opts.key}`,
        ...(body === undefined ? {} : { "content-type": isText ? "application/yaml" : "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: isText ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    const type = res.headers.get("content-type") ?? "";
    const isJson = /application\/(problem\+)?json/.test(type);
    const parsed = isJson && text.length > 0 ? JSON.parse(text) : text;
    if (!res.ok) {
      const problem: Problem =
        parsed && typeof parsed === "object" && "code" in parsed
          ? (parsed as Problem)
          : {
              type: "about:blank",
              title: res.statusText,
              status: res.status,
              code: "http_error",
              detail: String(text).slice(0, 500),
            };
      throw new TollgateApiError(problem);
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.request<T>(method, path, body)).body;
  }

  /** Who this client's key is: its role and, for workspace keys, its tenant and workspace. */
  whoami() {
    return this.json<WhoAmI>("GET", "/v1/whoami");
  }

  // tenants, workspaces, keys, secrets
  createTenant(id: string, name?: string) {
    return this.json<{ id: string; name: string | null }>("POST", "/v1/tenants", { id, ...(name ? { name } : {}) });
  }
  createWorkspace(tenant: string, id: string, name?: string) {
    return this.json<{ id: string; tenant: string }>("POST", `/v1/tenants/${enc(tenant)}/workspaces`, {
      id,
      ...(name ? { name } : {}),
    });
  }
  createKey(workspace: string, name: string, role: "admin" | "approver" | "auditor" | "agent") {
    return this.json<{ id: string; key: string; role: string; name: string }>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/keys`,
      { name, role },
    );
  }
  listKeys(workspace: string) {
    return this.json<{
      items: {
        id: string;
        name: string;
        role: string;
        createdAt: string;
        revokedAt: string | null;
        lastUsedAt: string | null;
      }[];
    }>("GET", `/v1/workspaces/${enc(workspace)}/keys`);
  }
  /** A new key with the same name and role; the old one keeps working for graceSeconds (default 24 h). */
  rotateKey(workspace: string, id: string, graceSeconds?: number) {
    return this.json<{
      id: string;
      key: string;
      role: string;
      name: string;
      replaces: string;
      oldKeyExpiresAt: string;
    }>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/keys/${enc(id)}/rotate`,
      graceSeconds === undefined ? {} : { graceSeconds },
    );
  }
  async revokeKey(workspace: string, id: string): Promise<void> {
    await this.request("DELETE", `/v1/workspaces/${enc(workspace)}/keys/${enc(id)}`);
  }
  async putSecret(workspace: string, name: string, value: string): Promise<void> {
    await this.request("PUT", `/v1/workspaces/${enc(workspace)}/secrets/${enc(name)}`, { value });
  }

  // OAuth connections
  createConnection(workspace: string, input: CreateConnectionInput) {
    return this.json<{ connection: Connection; authorizationUrl?: string }>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/connections`,
      input,
    );
  }
  listConnections(workspace: string) {
    return this.json<{ items: Connection[] }>("GET", `/v1/workspaces/${enc(workspace)}/connections`);
  }
  getConnection(workspace: string, name: string) {
    return this.json<Connection>("GET", `/v1/workspaces/${enc(workspace)}/connections/${enc(name)}`);
  }
  /** Another user connects (an authorization URL), or a service account fetches new tokens. */
  authorizeConnection(workspace: string, name: string, who: { user?: string; serviceAccount?: string } = {}) {
    return this.json<{ connection: Connection; authorizationUrl?: string }>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/connections/${enc(name)}/authorize`,
      who,
    );
  }
  /** Revokes at the provider (RFC 7009) and deletes the tokens: of one identity, or of all. */
  revokeConnection(workspace: string, name: string, actingAs?: string | ActingAs) {
    return this.json<{
      connection: string;
      revoked: number;
      provider: { subject: string; revoked: boolean; error?: string }[];
    }>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/connections/${enc(name)}/revoke`,
      actingAs === undefined ? {} : { actingAs },
    );
  }
  async disconnect(workspace: string, name: string): Promise<void> {
    await this.request("DELETE", `/v1/workspaces/${enc(workspace)}/connections/${enc(name)}`);
  }

  // workflows
  putWorkflow(workspace: string, name: string, manifest: string | object) {
    return this.json<{ name: string; version: string }>(
      "PUT",
      `/v1/workspaces/${enc(workspace)}/workflows/${enc(name)}`,
      manifest,
    );
  }
  /** The workspace's workflows with their active versions. */
  listWorkflows(workspace: string) {
    return this.json<{ items: { name: string; version: string; updatedAt: string }[] }>(
      "GET",
      `/v1/workspaces/${enc(workspace)}/workflows`,
    );
  }
  getWorkflow(workspace: string, name: string) {
    return this.json<{ name: string; version: string; manifest: Record<string, unknown> }>(
      "GET",
      `/v1/workspaces/${enc(workspace)}/workflows/${enc(name)}`,
    );
  }
  /** Every version of a workflow, newest first, and the active one. */
  workflowHistory(workspace: string, name: string) {
    return this.json<WorkflowHistory>("GET", `/v1/workspaces/${enc(workspace)}/workflows/${enc(name)}/versions`);
  }
  /** One version as it was put: its manifest and the source text (YAML or JSON) it came from. */
  workflowVersion(workspace: string, name: string, version: string) {
    return this.json<WorkflowVersion>(
      "GET",
      `/v1/workspaces/${enc(workspace)}/workflows/${enc(name)}/versions/${enc(version)}`,
    );
  }
  /** What changed between two versions as written (default: the active one against the one before it). */
  workflowDiff(workspace: string, name: string, which: { from?: string; to?: string } = {}) {
    const q = new URLSearchParams(which as Record<string, string>).toString();
    return this.json<WorkflowDiff>(
      "GET",
      `/v1/workspaces/${enc(workspace)}/workflows/${enc(name)}/diff${q ? `?${q}` : ""}`,
    );
  }
  /** The pinned upstream MCP tool definitions of a workflow, with the upstream's current hash. */
  listToolPins(workspace: string, workflow: string) {
    return this.json<{ workflow: string; version: string; items: ToolPin[] }>(
      "GET",
      `/v1/workspaces/${enc(workspace)}/workflows/${enc(workflow)}/tools`,
    );
  }
  /** An admin accepts the upstream's changed definition of an MCP tool (`system.action`). */
  acceptTool(workspace: string, workflow: string, tool: string) {
    return this.json<{
      tool: string;
      upstreamTool: string;
      hash: string;
      previousHashes: string[];
      changed: boolean;
      versions: number;
    }>("POST", `/v1/workspaces/${enc(workspace)}/workflows/${enc(workflow)}/tools/${enc(tool)}/accept`, {});
  }
  simulate(
    workspace: string,
    req: { workflow: string; tool: string; args?: Record<string, unknown>; run?: Record<string, unknown> },
  ) {
    return this.json<SimulateResult>("POST", `/v1/workspaces/${enc(workspace)}/simulate`, req);
  }

  // runs and calls
  startRun(
    req: {
      workspace: string;
      workflow: string;
      agent?: string;
      /** `{kind: "user", id}`, `{kind: "service"}`, or the string forms `service`, `user:<id>` */
      actingAs?: string | { kind: "user" | "service"; id?: string };
      labels?: Record<string, string>;
      traceId?: string;
    } & RunPinning,
  ) {
    return this.json<Run>("POST", "/v1/runs", req);
  }
  getRun(id: string) {
    return this.json<Run>("GET", `/v1/runs/${enc(id)}`);
  }
  listRuns(
    workspace: string,
    filter: {
      workflow?: string;
      status?: string;
      limit?: number;
      workflowVersion?: string;
      promptVersion?: string;
      model?: string;
      release?: string;
    } = {},
  ) {
    const q = new URLSearchParams({
      workspace,
      ...Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, String(v)])),
    });
    return this.json<{ items: Run[] }>("GET", `/v1/runs?${q}`);
  }
  timeline(id: string) {
    return this.json<Timeline>("GET", `/v1/runs/${enc(id)}/timeline`);
  }
  finishRun(id: string, status: "succeeded" | "failed" | "cancelled", output?: unknown) {
    return this.json<Run>("POST", `/v1/runs/${enc(id)}/finish`, {
      status,
      ...(output !== undefined ? { output } : {}),
    });
  }
  /** A governed tool call. Blocked, over budget and failed calls throw TollgateApiError with their code. */
  callTool(runId: string, tool: string, args: Record<string, unknown> = {}, opts: ToolCallOptions = {}) {
    return this.json<ToolCall>("POST", `/v1/runs/${enc(runId)}/tool-calls`, { tool, args, ...opts });
  }
  getToolCall(id: string, waitSeconds = 0) {
    return this.json<ToolCall>("GET", `/v1/tool-calls/${enc(id)}${waitSeconds > 0 ? `?wait=${waitSeconds}` : ""}`);
  }
  /** Long-polls until the call is no longer waiting for approval or running, or the deadline passes. */
  async waitForToolCall(id: string, timeoutSeconds = 60): Promise<ToolCall> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      const call = await this.getToolCall(id, Math.max(0, Math.min(left, 30)));
      if (!["pending_approval", "approved", "executing"].includes(call.status) || left <= 0) return call;
    }
  }

  // approvals
  listApprovals(workspace: string, status: Approval["status"] | undefined = "pending") {
    return this.json<{ items: Approval[] }>(
      "GET",
      `/v1/approvals?workspace=${enc(workspace)}${status ? `&status=${status}` : ""}`,
    );
  }
  getApproval(approvalId: string) {
    return this.json<ApprovalDetail>("GET", `/v1/approvals/${enc(approvalId)}`);
  }
  /** Replaces the workspace's approval notification channels (admin). */
  putNotifications(workspace: string, channels: NotificationChannel[]) {
    return this.json<NotificationSettings>("PUT", `/v1/workspaces/${enc(workspace)}/notifications`, { channels });
  }
  getNotifications(workspace: string) {
    return this.json<NotificationSettings>("GET", `/v1/workspaces/${enc(workspace)}/notifications`);
  }
  /** Per gated action: how it was decided, by whom, how long it waited, and an allow rule where the record supports one. */
  policySuggestions(workspace: string, opts: { workflow?: string; minApprovals?: number } = {}) {
    const q = new URLSearchParams(Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, String(v)])));
    const qs = q.toString() ? `?${q}` : "";
    return this.json<PolicySuggestionsResult>("GET", `/v1/workspaces/${enc(workspace)}/policy/suggestions${qs}`);
  }
  decide(approvalId: string, decision: "approve" | "deny", reason?: string, channel?: "api" | "cli" | "ui" | "chat") {
    return this.json<ApprovalDecision>("POST", `/v1/approvals/${enc(approvalId)}/decision`, {
      decision,
      ...(reason ? { reason } : {}),
      ...(channel ? { channel } : {}),
    });
  }

  // audit
  auditEvents(workspace: string, after?: string, limit = 100) {
    return this.json<{ items: AuditEvent[]; next: string | null }>(
      "GET",
      `/v1/audit/events?workspace=${enc(workspace)}&limit=${limit}${after ? `&after=${enc(after)}` : ""}`,
    );
  }
  /** Every audit event of the workspace, page by page. */
  async *allAuditEvents(workspace: string, pageSize = 1000): AsyncGenerator<AuditEvent> {
    let after: string | undefined;
    for (;;) {
      const page = await this.auditEvents(workspace, after, pageSize);
      yield* page.items;
      if (!page.next) return;
      after = page.next;
    }
  }
  verifyAudit(workspace: string) {
    return this.json<VerifyResult>("GET", `/v1/audit/verify?workspace=${enc(workspace)}`);
  }
  /** The tenant's public key for checking exports offline. */
  auditPublicKey(workspace: string) {
    return this.json<AuditPublicKey>("GET", `/v1/audit/public-key?workspace=${enc(workspace)}`);
  }
  /** The verifiable export (NDJSON: header, events, signed checkpoints) as text. */
  async exportAudit(workspace: string): Promise<string> {
    return (await this.request<string>("GET", `/v1/audit/export?workspace=${enc(workspace)}`)).body;
  }

  // SIEM sinks
  putSink(workspace: string, name: string, sink: SinkDefinition) {
    return this.json<AuditSink>("PUT", `/v1/workspaces/${enc(workspace)}/sinks/${enc(name)}`, sink);
  }
  listSinks(workspace: string) {
    return this.json<{ items: AuditSink[] }>("GET", `/v1/workspaces/${enc(workspace)}/sinks`);
  }
  async removeSink(workspace: string, name: string): Promise<void> {
    await this.request("DELETE", `/v1/workspaces/${enc(workspace)}/sinks/${enc(name)}`);
  }
  /** Sends one test event; throws (upstream_failed) when it does not arrive. */
  testSink(workspace: string, name: string) {
    return this.json<{ ok: true; name: string; target: string; sentAt: string }>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/sinks/${enc(name)}/test`,
    );
  }
  // change control (issue 11)
  /** The run's recorded tool calls (stored, redacted arguments and results) and its versions. */
  runCalls(id: string) {
    return this.json<RecordedCalls>("GET", `/v1/runs/${enc(id)}/calls`);
  }
  putPrompt(workspace: string, name: string, template: string, labels?: string[]) {
    return this.json<{ name: string; version: string; created: boolean }>(
      "PUT",
      `/v1/workspaces/${enc(workspace)}/prompts/${enc(name)}`,
      { template, ...(labels ? { labels } : {}) },
    );
  }
  /** A prompt by version hash or label (`ref`), else its newest version. */
  getPrompt(workspace: string, name: string, ref?: string) {
    const q = ref ? (ref.startsWith("sha256:") ? `?version=${enc(ref)}` : `?label=${enc(ref)}`) : "";
    return this.json<Prompt>("GET", `/v1/workspaces/${enc(workspace)}/prompts/${enc(name)}${q}`);
  }
  movePromptLabel(workspace: string, name: string, label: string, version: string) {
    return this.json<{ name: string; label: string; version: string; previousVersion: string | null }>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/prompts/${enc(name)}/labels`,
      { label, version },
    );
  }
  createRelease(
    workspace: string,
    req: {
      workflow: string;
      workflowVersion?: string;
      prompts?: Record<string, string>;
      model?: string;
      description?: string;
    },
  ) {
    return this.json<Release>("POST", `/v1/workspaces/${enc(workspace)}/releases`, req);
  }
  getRelease(workspace: string, id: string) {
    return this.json<Release>("GET", `/v1/workspaces/${enc(workspace)}/releases/${enc(id)}`);
  }
  listReleases(workspace: string, workflow?: string) {
    return this.json<{ items: Release[] }>(
      "GET",
      `/v1/workspaces/${enc(workspace)}/releases${workflow ? `?workflow=${enc(workflow)}` : ""}`,
    );
  }
  activeRelease(workspace: string, workflow: string) {
    return this.json<Release & { activation: ReleaseActivation }>(
      "GET",
      `/v1/workspaces/${enc(workspace)}/releases/active?workflow=${enc(workflow)}`,
    );
  }
  /** Needs a passing eval report for the release, or an admin override with a reason. */
  activateRelease(workspace: string, id: string, override?: { reason: string }) {
    return this.json<ActivationResult>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/releases/${enc(id)}/activate`,
      override ? { override } : {},
    );
  }
  rollbackRelease(workspace: string, workflow: string) {
    return this.json<ActivationResult>("POST", `/v1/workspaces/${enc(workspace)}/releases/rollback`, { workflow });
  }
  uploadEvalReport(workspace: string, releaseId: string, suite: string, report: unknown) {
    return this.json<EvalReportReceipt>(
      "POST",
      `/v1/workspaces/${enc(workspace)}/releases/${enc(releaseId)}/eval-reports`,
      { suite, report },
    );
  }
  /** Re-decides the recorded calls of past runs under a candidate manifest; nothing runs. */
  replay(workspace: string, workflow: string, req: { candidate: string; since?: string; limit?: number }) {
    return this.json<ReplayResult>("POST", `/v1/workspaces/${enc(workspace)}/workflows/${enc(workflow)}/replay`, req);
  }

  // the model proxy: providers, prices, spend caps, usage, data flows, alerts
  /** The base URL an OpenAI client uses for a run (`new OpenAI({ baseURL, apiKey: agentKey })`). */
  openaiBaseUrl(runId: string): string {
    return `${this.base}/v1/runs/${enc(runId)}/openai`;
  }
  /** The base URL an Anthropic client uses for a run (it appends /v1/messages). */
  anthropicBaseUrl(runId: string): string {
    return `${this.base}/v1/runs/${enc(runId)}/anthropic`;
  }
  putModelProvider(
    workspace: string,
    name: string,
    provider: { kind: "openai" | "anthropic"; baseUrl: string; apiKeySecret: string; models: string[] },
  ) {
    return this.json<ModelProvider>("PUT", `/v1/workspaces/${enc(workspace)}/providers/${enc(name)}`, provider);
  }
  listModelProviders(workspace: string) {
    return this.json<{ items: ModelProvider[] }>("GET", `/v1/workspaces/${enc(workspace)}/providers`);
  }
  async deleteModelProvider(workspace: string, name: string): Promise<void> {
    await this.request("DELETE", `/v1/workspaces/${enc(workspace)}/providers/${enc(name)}`);
  }
  putModelPrices(workspace: string, prices: Record<string, ModelPrice>) {
    return this.json<ModelPrices>("PUT", `/v1/workspaces/${enc(workspace)}/prices`, { prices });
  }
  modelPrices(workspace: string) {
    return this.json<ModelPrices>("GET", `/v1/workspaces/${enc(workspace)}/prices`);
  }
  putSpendCaps(workspace: string, caps: Partial<SpendCaps>) {
    return this.json<SpendCaps>("PUT", `/v1/workspaces/${enc(workspace)}/spend-caps`, caps);
  }
  spendCaps(workspace: string) {
    return this.json<SpendCaps>("GET", `/v1/workspaces/${enc(workspace)}/spend-caps`);
  }
  usage(workspace: string, opts: { from?: string; to?: string; groupBy?: UsageGroupBy } = {}) {
    const q = new URLSearchParams({ workspace, ...(opts as Record<string, string>) });
    return this.json<Usage>("GET", `/v1/usage?${q}`);
  }
  dataFlows(workspace: string) {
    return this.json<DataFlowRegister>("GET", `/v1/workspaces/${enc(workspace)}/data-flows`);
  }
  /** The data-flow register as Markdown, for a DPA. */
  async dataFlowsMarkdown(workspace: string): Promise<string> {
    return (await this.request<string>("GET", `/v1/workspaces/${enc(workspace)}/data-flows?format=markdown`)).body;
  }
  listAlerts(workspace: string, filter: { acknowledged?: boolean; kind?: string; run?: string; limit?: number } = {}) {
    const q = new URLSearchParams({
      workspace,
      ...Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, String(v)])),
    });
    return this.json<{ items: Alert[] }>("GET", `/v1/alerts?${q}`);
  }
  acknowledgeAlert(id: string) {
    return this.json<Alert>("POST", `/v1/alerts/${enc(id)}/ack`, {});
  }

  // data handling: retention, legal holds, tenant export and deletion
  retention(workspace: string) {
    return this.json<RetentionView>("GET", `/v1/workspaces/${enc(workspace)}/retention`);
  }
  /** Sets the workspace's windows ("30d"); null goes back to the default; a missing one stays. */
  /** The readiness report of a workspace's workflows (or one of them) and its audit record. */
  readiness(workspace: string, workflow?: string) {
    const q = workflow === undefined ? "" : `?workflow=${enc(workflow)}`;
    return this.json<ReadinessReport>("GET", `/v1/workspaces/${enc(workspace)}/readiness${q}`);
  }
  setRetention(workspace: string, windows: { runs?: string | null; payloads?: string | null; audit?: string | null }) {
    return this.json<RetentionView>("PUT", `/v1/workspaces/${enc(workspace)}/retention`, windows);
  }
  purge(workspace: string, opts: { dryRun?: boolean } = {}) {
    return this.json<PurgeReport>("POST", `/v1/workspaces/${enc(workspace)}/retention/purge`, {
      dryRun: opts.dryRun ?? false,
    });
  }
  placeLegalHold(workspace: string, hold: { runId?: string; reason: string }) {
    return this.json<LegalHold>("POST", `/v1/workspaces/${enc(workspace)}/legal-holds`, hold);
  }
  legalHolds(workspace: string, opts: { all?: boolean } = {}) {
    return this.json<{ items: LegalHold[] }>(
      "GET",
      `/v1/workspaces/${enc(workspace)}/legal-holds${opts.all ? "?all=true" : ""}`,
    );
  }
  async releaseLegalHold(workspace: string, id: string): Promise<void> {
    await this.request("DELETE", `/v1/workspaces/${enc(workspace)}/legal-holds/${enc(id)}`);
  }
  /** Everything a tenant owns as JSON lines ({"table","row"}); operator key. */
  async exportTenant(tenant: string): Promise<string> {
    return (await this.request<string>("GET", `/v1/tenants/${enc(tenant)}/export`)).body;
  }
  /** Deletes a tenant's rows and its data key; operator key. */
  deleteTenant(tenant: string) {
    return this.json<TenantDeletion>("DELETE", `/v1/tenants/${enc(tenant)}`);
  }

  health() {
    return this.json<{ status: string }>("GET", "/healthz");
  }
}
