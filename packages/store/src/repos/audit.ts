import { type ChainedAuditEvent, chainHash, genesisHash, newId } from "@tollgate/core";
import type { Kysely } from "kysely";
import { fromJson, toJson } from "../json.js";
import type { NewAuditEvent } from "../records.js";
import type { AuditEventsTable, Database } from "../schema.js";

export const toAuditEvent = (r: AuditEventsTable): ChainedAuditEvent => ({
  seq: Number(r.seq),
  id: r.id,
  ts: r.ts,
  type: r.type,
  workspace: r.workspace_id,
  run: r.run_id,
  call: r.call_id,
  actor: r.actor,
  data: fromJson(r.data, {}),
  prevHash: r.prev_hash,
  hash: r.hash,
});

export interface AuditQuery {
  workspaceId?: string;
  runId?: string;
  afterSeq?: number;
  limit?: number;
}

export class AuditRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  /**
   * Appends events to the tenant's chain. Must run inside a transaction. The first statement
   * moves the head's sequence on by the number of events and returns the previous hash: on
   * PostgreSQL that UPDATE holds the head row's lock until commit, SQLite serialises writers, so
   * two writers can never link to the same predecessor. Three statements per append (four the
   * first time a tenant writes).
   */
  async append(events: NewAuditEvent[], now: string): Promise<ChainedAuditEvent[]> {
    if (events.length === 0) return [];
    const head =
      (await this.reserve(events.length)) ?? (await this.createHead().then(() => this.reserve(events.length)));
    if (!head) throw new Error(`audit head of tenant ${this.tenantId} could not be reserved`);
    let seq = Number(head.seq) - events.length;
    let prev = head.hash;
    const out: ChainedAuditEvent[] = [];
    for (const e of events) {
      seq++;
      const body = {
        seq,
        id: newId("evt"),
        ts: e.ts ?? now,
        type: e.type,
        workspace: e.workspace ?? null,
        run: e.run ?? null,
        call: e.call ?? null,
        actor: e.actor ?? null,
        data: e.data ?? {},
      };
      const hash = chainHash(prev, body);
      out.push({ ...body, prevHash: prev, hash });
      prev = hash;
    }
    await this.db
      .insertInto("audit_events")
      .values(
        out.map((e) => ({
          tenant_id: this.tenantId,
          seq: e.seq,
          id: e.id,
          ts: e.ts,
          type: e.type,
          workspace_id: e.workspace,
          run_id: e.run,
          call_id: e.call,
          actor: e.actor,
          data: toJson(e.data),
          prev_hash: e.prevHash,
          hash: e.hash,
        })),
      )
      .execute();
    await this.db.updateTable("audit_heads").set({ seq, hash: prev }).where("tenant_id", "=", this.tenantId).execute();
    return out;
  }

  /** Moves the head on by n; returns the new last seq and the hash the first new event links to. */
  private reserve(n: number): Promise<{ seq: number; hash: string } | undefined> {
    return this.db
      .updateTable("audit_heads")
      .set((eb) => ({ seq: eb("seq", "+", n) }))
      .where("tenant_id", "=", this.tenantId)
      .returning(["seq", "hash"])
      .executeTakeFirst();
  }

  private async createHead(): Promise<void> {
    await this.db
      .insertInto("audit_heads")
      .values({ tenant_id: this.tenantId, seq: 0, hash: genesisHash })
      .onConflict((oc) => oc.column("tenant_id").doNothing())
      .execute();
  }

  async list(q: AuditQuery): Promise<ChainedAuditEvent[]> {
    let s = this.db.selectFrom("audit_events").selectAll().where("tenant_id", "=", this.tenantId);
    if (q.workspaceId) s = s.where("workspace_id", "=", q.workspaceId);
    if (q.runId) s = s.where("run_id", "=", q.runId);
    if (q.afterSeq !== undefined) s = s.where("seq", ">", q.afterSeq);
    const rows = await s
      .orderBy("seq")
      .limit(q.limit ?? 100)
      .execute();
    return rows.map(toAuditEvent);
  }

  /** The tenant's chain head: the last seq and its hash (seq 0 and the genesis hash when empty). */
  async head(): Promise<{ seq: number; hash: string }> {
    const r = await this.db
      .selectFrom("audit_heads")
      .select(["seq", "hash"])
      .where("tenant_id", "=", this.tenantId)
      .executeTakeFirst();
    return r ? { seq: Number(r.seq), hash: r.hash } : { seq: 0, hash: genesisHash };
  }

  /** How many of a workspace's events come after a cursor, and the time of the oldest: a sink's lag. */
  async backlog(workspaceId: string, afterSeq: number): Promise<{ events: number; oldestTs: string | null }> {
    const r = await this.db
      .selectFrom("audit_events")
      .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("ts").as("oldest")])
      .where("tenant_id", "=", this.tenantId)
      .where("workspace_id", "=", workspaceId)
      .where("seq", ">", afterSeq)
      .executeTakeFirstOrThrow();
    return { events: Number(r.n), oldestTs: (r.oldest as string | null) ?? null };
  }

  /** The whole chain in pages, for verification. */
  async *iterate(pageSize = 1000): AsyncGenerator<ChainedAuditEvent> {
    let after = 0;
    for (;;) {
      const page = await this.list({ afterSeq: after, limit: pageSize });
      for (const e of page) yield e;
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.seq;
    }
  }
}
