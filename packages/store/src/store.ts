import { EventEmitter } from "node:events";
import { type Kysely, sql } from "kysely";
import { type Notifications, noNotifications } from "./dialect/notifications.js";
import type { TenantConnections } from "./dialect/postgres.js";
import { TenantGroupCommit } from "./dialect/tenant-group-commit.js";
import type { ApiKeyRecord, ApprovalRecord, TenantRecord } from "./records.js";
import { ApprovalsRepo, toApprovalRecord } from "./repos/approvals.js";
import { AuditRepo, HeadHints, type HeldHead } from "./repos/audit.js";
import { AuditSinksRepo, type AuditSinkRecord, toAuditSinkRecord } from "./repos/audit-sinks.js";
import { AuditSigningRepo } from "./repos/audit-signing.js";
import { KeysRepo, toKeyRecord } from "./repos/keys.js";
import { OAuthRepo, type OAuthStateRecord, toOAuthState } from "./repos/oauth.js";
import { NotificationsRepo, type OutboxRecord, toOutboxRecord } from "./repos/notifications.js";
import { PromptsRepo } from "./repos/prompts.js";
import { ReleasesRepo } from "./repos/releases.js";
import { AlertsRepo } from "./repos/alerts.js";
import { ModelCallsRepo } from "./repos/model-calls.js";
import { ModelConfigRepo } from "./repos/model-config.js";
import { RunsRepo } from "./repos/runs.js";
import { RetentionRepo } from "./repos/retention.js";
import { TenantDataRepo } from "./repos/tenant-data.js";
import { UsageRepo } from "./repos/usage.js";
import { SecretsRepo } from "./repos/secrets.js";
import { ToolCallsRepo, toToolCallRecord } from "./repos/tool-calls.js";
import { ToolPinsRepo } from "./repos/tool-pins.js";
import { WorkflowsRepo } from "./repos/workflows.js";
import { WorkspacesRepo } from "./repos/workspaces.js";
import { bindConnection } from "./prepared.js";
import type { Database } from "./schema.js";
import type { ToolCallRecord } from "./records.js";

/**
 * Every repository a tenant's data is reached through. It cannot be made without a tenant. A
 * scope is made for every lookup and transaction, and most use one or two of its repositories,
 * so each is made on first use.
 */
export class TenantScope {
  #workspaces: WorkspacesRepo | undefined;
  #keys: KeysRepo | undefined;
  #secrets: SecretsRepo | undefined;
  #workflows: WorkflowsRepo | undefined;
  #runs: RunsRepo | undefined;
  #toolCalls: ToolCallsRepo | undefined;
  #approvals: ApprovalsRepo | undefined;
  #audit: AuditRepo | undefined;
  #notifications: NotificationsRepo | undefined;
  #auditSinks: AuditSinksRepo | undefined;
  #auditSigning: AuditSigningRepo | undefined;
  #toolPins: ToolPinsRepo | undefined;
  #oauth: OAuthRepo | undefined;
  #prompts: PromptsRepo | undefined;
  #releases: ReleasesRepo | undefined;
  #modelConfig: ModelConfigRepo | undefined;
  #modelCalls: ModelCallsRepo | undefined;
  #alerts: AlertsRepo | undefined;
  #usage: UsageRepo | undefined;
  #retention: RetentionRepo | undefined;
  #tenantData: TenantDataRepo | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly tenantId: string,
    /** inside a PostgreSQL commit group: its hold on the tenant's audit head */
    private readonly heldHead?: HeldHead,
    /** the store's guesses at each tenant's audit head (repos/audit.ts) */
    private readonly headHints?: HeadHints,
  ) {
    if (typeof tenantId !== "string" || tenantId.length === 0) throw new Error("a tenant scope needs a tenant id");
  }

  get workspaces(): WorkspacesRepo {
    this.#workspaces ??= new WorkspacesRepo(this.db, this.tenantId);
    return this.#workspaces;
  }

  get keys(): KeysRepo {
    this.#keys ??= new KeysRepo(this.db, this.tenantId);
    return this.#keys;
  }

  get secrets(): SecretsRepo {
    this.#secrets ??= new SecretsRepo(this.db, this.tenantId);
    return this.#secrets;
  }

  get workflows(): WorkflowsRepo {
    this.#workflows ??= new WorkflowsRepo(this.db, this.tenantId);
    return this.#workflows;
  }

  get runs(): RunsRepo {
    this.#runs ??= new RunsRepo(this.db, this.tenantId);
    return this.#runs;
  }

  get toolCalls(): ToolCallsRepo {
    this.#toolCalls ??= new ToolCallsRepo(this.db, this.tenantId);
    return this.#toolCalls;
  }

  get approvals(): ApprovalsRepo {
    this.#approvals ??= new ApprovalsRepo(this.db, this.tenantId);
    return this.#approvals;
  }

  get audit(): AuditRepo {
    this.#audit ??= new AuditRepo(this.db, this.tenantId, this.heldHead, this.headHints);
    return this.#audit;
  }

  get notifications(): NotificationsRepo {
    this.#notifications ??= new NotificationsRepo(this.db, this.tenantId);
    return this.#notifications;
  }

  get auditSinks(): AuditSinksRepo {
    this.#auditSinks ??= new AuditSinksRepo(this.db, this.tenantId);
    return this.#auditSinks;
  }

  get auditSigning(): AuditSigningRepo {
    this.#auditSigning ??= new AuditSigningRepo(this.db, this.tenantId);
    return this.#auditSigning;
  }

  get toolPins(): ToolPinsRepo {
    this.#toolPins ??= new ToolPinsRepo(this.db, this.tenantId);
    return this.#toolPins;
  }

  get oauth(): OAuthRepo {
    this.#oauth ??= new OAuthRepo(this.db, this.tenantId);
    return this.#oauth;
  }

  get prompts(): PromptsRepo {
    this.#prompts ??= new PromptsRepo(this.db, this.tenantId);
    return this.#prompts;
  }

  get releases(): ReleasesRepo {
    this.#releases ??= new ReleasesRepo(this.db, this.tenantId);
    return this.#releases;
  }

  get modelConfig(): ModelConfigRepo {
    this.#modelConfig ??= new ModelConfigRepo(this.db, this.tenantId);
    return this.#modelConfig;
  }

  get modelCalls(): ModelCallsRepo {
    this.#modelCalls ??= new ModelCallsRepo(this.db, this.tenantId);
    return this.#modelCalls;
  }

  get alerts(): AlertsRepo {
    this.#alerts ??= new AlertsRepo(this.db, this.tenantId);
    return this.#alerts;
  }

  get usage(): UsageRepo {
    this.#usage ??= new UsageRepo(this.db, this.tenantId);
    return this.#usage;
  }

  /** retention windows, legal holds and the purge job (issue 10) */
  get retention(): RetentionRepo {
    this.#retention ??= new RetentionRepo(this.db, this.tenantId);
    return this.#retention;
  }

  /** tenant export and deletion, operator only (issue 10) */
  get tenantData(): TenantDataRepo {
    this.#tenantData ??= new TenantDataRepo(this.db, this.tenantId, this.heldHead);
    return this.#tenantData;
  }
}

/**
 * Events of the store's own machinery, for metrics: `walRestart` with how long, in ms, the
 * embedded store's write-ahead log restart held queries (dialect/checkpointer.ts).
 */
export type StoreDiagnostics = EventEmitter<{ walRestart: [holdMs: number] }>;

/** PostgreSQL: the role serving connections act as, and whether row-level security binds it. */
export interface RowSecurity {
  role: string;
  /** false for a superuser or a role with BYPASSRLS: the tenant predicates are the only wall */
  enforced: boolean;
}

/**
 * The store. Tenant data is reached only through `scope(tenant)` or `transaction(tenant, fn)`;
 * the few lookups that must happen before a tenant is known (a key by id, a workspace by id,
 * start-up recovery) are here, named for what they are for.
 */
export class Store {
  /** PostgreSQL: a tenant's concurrent transactions share one COMMIT (SQLite groups in its driver) */
  private readonly groups: TenantGroupCommit | undefined;
  /** where each tenant's audit head was last seen: a right guess saves an append its reservation */
  private readonly headHints = new HeadHints();

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: "sqlite" | "postgres",
    /** between processes sharing the database (PostgreSQL); a no-op on the embedded store */
    readonly notifications: Notifications = noNotifications,
    /** what the store's own machinery does that an operator should see (metrics) */
    readonly diagnostics: StoreDiagnostics = new EventEmitter(),
    /** PostgreSQL: connections that reach one tenant's rows (row-level security); `db` reaches all */
    private readonly tenants?: TenantConnections,
    /** PostgreSQL: whether row-level security binds the serving role */
    readonly rowSecurity?: RowSecurity,
  ) {
    this.groups = tenants ? new TenantGroupCommit((tenantId) => tenants.forTenant(tenantId)) : undefined;
  }

  /** The database as one tenant: on PostgreSQL its connections reach only that tenant's rows. */
  private tenantDb(tenantId: string): Kysely<Database> {
    return this.tenants ? this.tenants.forTenant(tenantId) : this.db;
  }

  scope(tenantId: string): TenantScope {
    return new TenantScope(this.tenantDb(tenantId), tenantId, undefined, this.headHints);
  }

  transaction<T>(tenantId: string, fn: (scope: TenantScope) => Promise<T>): Promise<T> {
    // a transaction that rolls back leaves its hint pointing past the chain: the next append's
    // guarded statement misses once, then reserves (repos/audit.ts HeadHints)
    const hints = this.headHints;
    if (this.groups) return this.groups.run(tenantId, (db, held) => fn(new TenantScope(db, tenantId, held, hints)));
    return this.db.transaction().execute(async (trx) => {
      await bindConnection(trx);
      return fn(new TenantScope(trx, tenantId, undefined, hints));
    });
  }

  async createTenant(t: TenantRecord): Promise<void> {
    await this.db
      .insertInto("tenants")
      .values({ id: t.id, name: t.name, wrapped_key: t.wrappedKey, created_at: t.createdAt })
      .execute();
  }

  async getTenant(id: string): Promise<TenantRecord | undefined> {
    const r = await this.db.selectFrom("tenants").selectAll().where("id", "=", id).executeTakeFirst();
    return r && { id: r.id, name: r.name, wrappedKey: r.wrapped_key, createdAt: r.created_at };
  }

  /** The retention job: every tenant id, in order. */
  async tenantIds(): Promise<string[]> {
    const rows = await this.db.selectFrom("tenants").select("id").orderBy("id").execute();
    return rows.map((r) => r.id);
  }

  async countKeys(): Promise<number> {
    const r = await this.db
      .selectFrom("api_keys")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Authentication: the key id is public, the tenant comes from the row found. */
  async findKeyForAuth(id: string): Promise<ApiKeyRecord | undefined> {
    const r = await this.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
    return r && toKeyRecord(r);
  }

  async touchKey(id: string, now: string): Promise<void> {
    await this.db.updateTable("api_keys").set({ last_used_at: now }).where("id", "=", id).execute();
  }

  /** Which tenant a workspace id belongs to (ids are unique across tenants). */
  async workspaceTenant(workspaceId: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom("workspaces")
      .select("tenant_id")
      .where("id", "=", workspaceId)
      .executeTakeFirst();
    return r?.tenant_id;
  }

  /** The OAuth callback: a pending authorization by the hash of its state (the tenant comes from the row). */
  async findOAuthState(stateHash: string): Promise<OAuthStateRecord | undefined> {
    const r = await this.db
      .selectFrom("oauth_states")
      .selectAll()
      .where("state_hash", "=", stateHash)
      .executeTakeFirst();
    return r && toOAuthState(r);
  }

  /** Start-up recovery: calls that were executing when the process died, across tenants. */
  async findCallsInStatus(status: "executing" | "approved"): Promise<ToolCallRecord[]> {
    // a literal, so both databases see the query is within the partial index tool_calls_status
    const rows = await this.db.selectFrom("tool_calls").selectAll().where("status", "=", sql.lit(status)).execute();
    return rows.map(toToolCallRecord);
  }

  /** Start-up recovery: tenants with model calls whose outcome was never written. */
  async tenantsWithExecutingModelCalls(): Promise<string[]> {
    const rows = await this.db
      .selectFrom("model_calls")
      .select("tenant_id")
      .distinct()
      // a literal, so both databases see the query is within the partial index model_calls_executing
      .where("status", "=", sql.lit("executing"))
      .execute();
    return rows.map((r) => r.tenant_id);
  }

  /** The export job: sinks across tenants whose next attempt is due and whose lease is free. */
  async dueAuditSinks(now: string, limit = 100): Promise<AuditSinkRecord[]> {
    const rows = await this.db
      .selectFrom("audit_sinks")
      .selectAll()
      .where("next_attempt_at", "<=", now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    return rows.map(toAuditSinkRecord);
  }

  /** Metrics: every sink across tenants (names and cursors; the lag is counted per sink). */
  async allAuditSinks(): Promise<AuditSinkRecord[]> {
    const rows = await this.db.selectFrom("audit_sinks").selectAll().execute();
    return rows.map(toAuditSinkRecord);
  }

  /** The checkpoint job: tenants whose chain grew by at least `minNew` events since their last checkpoint. */
  async tenantsDueForCheckpoint(minNew: number): Promise<{ tenantId: string; seq: number }[]> {
    const rows = await this.db
      .selectFrom("audit_heads as h")
      .select((eb) => [
        "h.tenant_id",
        "h.seq",
        eb
          .selectFrom("audit_checkpoints as c")
          .select((c) => c.fn.max("c.seq").as("m"))
          .whereRef("c.tenant_id", "=", "h.tenant_id")
          .as("last"),
      ])
      .execute();
    return rows
      .map((r) => ({ tenantId: r.tenant_id, seq: Number(r.seq), last: Number(r.last ?? 0) }))
      .filter((r) => r.seq - r.last >= minNew)
      .map(({ tenantId, seq }) => ({ tenantId, seq }));
  }

  /** The approvals job: pending approvals past their deadline, across tenants. */
  async findDueApprovals(now: string, limit: number): Promise<ApprovalRecord[]> {
    const rows = await this.db
      .selectFrom("approvals")
      .selectAll()
      .where("status", "=", "pending")
      .where("expires_at", "<=", now)
      .orderBy("expires_at")
      .limit(limit)
      .execute();
    return rows.map(toApprovalRecord);
  }

  /** The notifications job: deliveries due now, across tenants. */
  async findDueNotifications(now: string, limit: number): Promise<OutboxRecord[]> {
    const rows = await this.db
      .selectFrom("notification_outbox")
      .selectAll()
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .orderBy("next_attempt_at")
      .limit(limit)
      .execute();
    return rows.map(toOutboxRecord);
  }

  /** Metrics: pending approvals per workspace, across tenants. */
  async pendingApprovalCounts(): Promise<{ tenantId: string; workspaceId: string; count: number }[]> {
    const rows = await this.db
      .selectFrom("approvals")
      .select((eb) => ["tenant_id", "workspace_id", eb.fn.countAll<number>().as("n")])
      .where("status", "=", "pending")
      .groupBy(["tenant_id", "workspace_id"])
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, workspaceId: r.workspace_id, count: Number(r.n) }));
  }

  /** Metrics: runs stopped by a budget or guard, by stop reason, across tenants. */
  async stoppedRunCounts(): Promise<{ reason: string; count: number }[]> {
    const rows = await this.db
      .selectFrom("runs")
      .select((eb) => ["stop_reason", eb.fn.countAll<number>().as("n")])
      .where("status", "=", "stopped")
      .groupBy("stop_reason")
      .execute();
    return rows.map((r) => ({ reason: r.stop_reason ?? "unknown", count: Number(r.n) }));
  }

  async close(): Promise<void> {
    // a notice published just before (a call's outcome, a key's change) still reaches other replicas
    await this.notifications.drain();
    await this.db.destroy();
  }
}
