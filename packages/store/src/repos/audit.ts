import { type ChainedAuditEvent, chainHash, genesisHash, newId } from "@tollgate/core";
import { type Kysely, PostgresAdapter, sql } from "kysely";
import { fromJson, toJson } from "../json.js";
import { affectedRows, prepared } from "../prepared.js";
import type { NewAuditEvent } from "../records.js";
import type { AuditEventsTable, Database } from "../schema.js";
import { guardedInsert } from "./guarded-insert.js";

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

/** An event's values in the order rowOf names them (twelve per event in a prepared INSERT). */
const columnsOf = (tenantId: string, e: ChainedAuditEvent) => [
  tenantId,
  e.seq,
  e.id,
  e.ts,
  e.type,
  e.workspace,
  e.run,
  e.call,
  e.actor,
  toJson(e.data),
  e.prevHash,
  e.hash,
];

// biome-ignore lint/suspicious/noExplicitAny: slots or the typed values of columnsOf() above
const rowOf = (v: any[]) => ({
  tenant_id: v[0],
  seq: v[1],
  id: v[2],
  ts: v[3],
  type: v[4],
  workspace_id: v[5],
  run_id: v[6],
  call_id: v[7],
  actor: v[8],
  data: v[9],
  prev_hash: v[10],
  hash: v[11],
});

/** Moves the head row on to (seq, hash) only where it is still at the expected seq and hash. */
// biome-ignore lint/suspicious/noExplicitAny: prepared slots stand in for the values
const moveHeadQuery = (db: Kysely<Database>, [seq, hash, tenant, expectedSeq, expectedHash]: any[]) =>
  db
    .updateTable("audit_heads")
    .set({ seq, hash })
    .where("tenant_id", "=", tenant)
    .where("seq", "=", expectedSeq)
    .where("hash", "=", expectedHash);

/** The events as links of the chain after `after` (the seq and hash they follow). */
function linkEvents(events: NewAuditEvent[], after: { seq: number; hash: string }, now: string): ChainedAuditEvent[] {
  let seq = after.seq;
  let prev = after.hash;
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
  return out;
}

export interface AuditQuery {
  workspaceId?: string;
  runId?: string;
  afterSeq?: number;
  limit?: number;
}

/**
 * A PostgreSQL commit group's hold on its tenant's chain head (dialect/tenant-group-commit.ts).
 * Once an append in the group's transaction has reserved the head row, the transaction holds the
 * row's lock until its COMMIT, so nobody else can append meanwhile: the group's later appends link
 * to `held` without reading or writing the row, and the group writes the final head once, just
 * before its COMMIT (`writeHead`), if any append did so. When one of its transactions rolls back,
 * the group puts back what the hold was before it.
 */
export class HeldHead {
  held: { seq: number; hash: string } | undefined;
  /** an append linked to `held` since the row was last written: the row must be written again */
  stale = false;
}

/**
 * Where each tenant's chain head was last seen in this process (issue 9): an append links to it
 * and moves the head row on only if the row is still there (seq and hash), in the statement that
 * writes the events, instead of first reserving the row in a statement of its own. A hint is
 * only ever a guess: when another process appended meanwhile, or the transaction that set it
 * rolled back, the row does not match, nothing is written, and the append reserves the row as
 * before. So a stale hint costs a statement and never a wrong link. At most `max` tenants are
 * remembered, the least recently seen forgotten first.
 */
export class HeadHints {
  private readonly heads = new Map<string, { seq: number; hash: string }>();

  constructor(private readonly max = 10_000) {}

  get(tenantId: string): { seq: number; hash: string } | undefined {
    return this.heads.get(tenantId);
  }

  set(tenantId: string, head: { seq: number; hash: string }): void {
    this.heads.delete(tenantId);
    this.heads.set(tenantId, head);
    if (this.heads.size > this.max) this.heads.delete(this.heads.keys().next().value as string);
  }
}

/** The head row as a group leaves it: the last event's seq and hash. */
export async function writeHead(
  db: Kysely<Database>,
  tenantId: string,
  head: { seq: number; hash: string },
): Promise<void> {
  await prepared(db, "audit.setHead", [head.seq, head.hash, tenantId], (d, [s, h, t]) =>
    d.updateTable("audit_heads").set({ seq: s, hash: h }).where("tenant_id", "=", t),
  );
}

export class AuditRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
    /** set inside a PostgreSQL commit group: appends after the group's first skip the head row */
    private readonly heldHead?: HeldHead,
    /** the store's guesses at each tenant's head: an append that guesses right skips the reservation */
    private readonly hints?: HeadHints,
  ) {}

  /**
   * Appends events to the tenant's chain. Must run inside a transaction. Every append moves the
   * head row on in the statement that links to it, so two writers can never link to the same
   * predecessor: on PostgreSQL the UPDATE holds the row's lock until commit, SQLite serialises
   * writers. With a right hint (HeadHints) one statement on PostgreSQL and two on SQLite;
   * otherwise the head is reserved first (two on PostgreSQL, three on SQLite; one more the first
   * time a tenant writes); inside a PostgreSQL commit group whose head is held already, one (see
   * HeldHead).
   */
  async append(events: NewAuditEvent[], now: string): Promise<ChainedAuditEvent[]> {
    if (events.length === 0) return [];
    const held = this.heldHead?.held;
    if (this.heldHead && held) {
      // the group holds the row: link and move the hold on before any await
      const out = linkEvents(events, held, now);
      this.heldHead.held = this.linked(out);
      this.heldHead.stale = true;
      await this.insertEvents(out);
      return out;
    }
    const hint = this.hints?.get(this.tenantId);
    if (hint) {
      const out = linkEvents(events, hint, now);
      if (await this.insertEventsAfter(out, hint)) return this.appended(out);
    }
    const out = linkEvents(events, await this.reserveLinks(events.length), now);
    const last = out[out.length - 1] as ChainedAuditEvent;
    await this.insertEventsAndSetHead(out, last.seq, last.hash);
    return this.appended(out);
  }

  /** The head after `out`, remembered as this tenant's hint. */
  private linked(out: ChainedAuditEvent[]): { seq: number; hash: string } {
    const last = out[out.length - 1] as ChainedAuditEvent;
    const head = { seq: last.seq, hash: last.hash };
    this.hints?.set(this.tenantId, head);
    return head;
  }

  /** Written with the head row: a commit group holds the row from now on. */
  private appended(out: ChainedAuditEvent[]): ChainedAuditEvent[] {
    const head = this.linked(out);
    if (this.heldHead) this.heldHead.held = head;
    return out;
  }

  /**
   * The events and the head's new (seq, hash) if the head row is still at `expected`; false, with
   * nothing written, if it is not. On PostgreSQL one statement: the INSERT reads the UPDATE's
   * RETURNING in a WITH clause, so it inserts nothing when the row did not match (the UPDATE
   * waits for a writer holding the row and then sees its new seq). SQLite, which has no UPDATE
   * in a WITH clause, runs the UPDATE and then the INSERT.
   */
  private async insertEventsAfter(
    events: ChainedAuditEvent[],
    expected: { seq: number; hash: string },
  ): Promise<boolean> {
    const last = events[events.length - 1] as ChainedAuditEvent;
    const move = [last.seq, last.hash, this.tenantId, expected.seq, expected.hash];
    const n = events.length;
    if (this.db.getExecutor().adapter instanceof PostgresAdapter && n <= 4) {
      const values = [...move, ...events.flatMap((e) => columnsOf(this.tenantId, e))];
      const r = await prepared(this.db, `audit.insertAfterHead.${n}`, values, (db, v) =>
        guardedInsert(
          db,
          moveHeadQuery(db, v).returning(sql<number>`1`.as("one")),
          "audit_events",
          events.map((_, i) => rowOf(v.slice(5 + i * 12, 17 + i * 12))),
          { seq: "integer" },
        ),
      );
      return affectedRows(r) === n;
    }
    const moved = await prepared(this.db, "audit.moveHead", move, moveHeadQuery);
    if (affectedRows(moved) === 0) return false;
    await this.insertEvents(events);
    return true;
  }

  /** Reserves n links on the head row: the seq and hash the first new event follows. */
  private async reserveLinks(n: number): Promise<{ seq: number; hash: string }> {
    const head = (await this.reserve(n)) ?? (await this.createHead().then(() => this.reserve(n)));
    if (!head) throw new Error(`audit head of tenant ${this.tenantId} could not be reserved`);
    return { seq: Number(head.seq) - n, hash: head.hash };
  }

  /**
   * The events' rows and the head's new (seq, hash). On PostgreSQL one statement (the INSERT in a
   * WITH clause of the UPDATE): one round trip less per append, where a tenant's appends run one
   * after another (its group, or its head row's lock). SQLite has no INSERT in a WITH clause.
   */
  private async insertEventsAndSetHead(events: ChainedAuditEvent[], seq: number, hash: string): Promise<void> {
    const head = [seq, hash, this.tenantId];
    if (this.db.getExecutor().adapter instanceof PostgresAdapter && events.length <= 4) {
      const values = [...events.flatMap((e) => columnsOf(this.tenantId, e)), ...head];
      const n = events.length;
      await prepared(this.db, `audit.insertAndSetHead.${n}`, values, (db, slots) => {
        const [s, h, t] = slots.slice(n * 12);
        return db
          .with("inserted", (w) =>
            w
              .insertInto("audit_events")
              .values(events.map((_, i) => rowOf(slots.slice(i * 12, i * 12 + 12))))
              .returning("seq"),
          )
          .updateTable("audit_heads")
          .set({ seq: s, hash: h })
          .where("tenant_id", "=", t);
      });
      return;
    }
    await this.insertEvents(events);
    await writeHead(this.db, this.tenantId, { seq, hash });
  }

  private async insertEvents(events: ChainedAuditEvent[]): Promise<void> {
    const columns = (e: ChainedAuditEvent) => columnsOf(this.tenantId, e);
    const row = rowOf;
    // a governed call appends one or two events at a time: those shapes are prepared once
    const values = events.flatMap(columns);
    if (events.length <= 4) {
      await prepared(this.db, `audit.insert.${events.length}`, values, (db, slots) =>
        db.insertInto("audit_events").values(events.map((_, i) => row(slots.slice(i * 12, i * 12 + 12)))),
      );
      return;
    }
    await this.db
      .insertInto("audit_events")
      .values(events.map((e) => row(columns(e))))
      .execute();
  }

  /** Moves the head on by n; returns the new last seq and the hash the first new event links to. */
  private async reserve(n: number): Promise<{ seq: number; hash: string } | undefined> {
    const r = await prepared<{ seq: number; hash: string }>(
      this.db,
      "audit.reserve",
      [n, this.tenantId],
      (db, [k, t]) =>
        db
          .updateTable("audit_heads")
          .set((eb) => ({ seq: eb("seq", "+", k) }))
          .where("tenant_id", "=", t)
          .returning(["seq", "hash"]),
    );
    return r.rows[0];
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
    // inside a commit group the row is written only before its COMMIT
    if (this.heldHead?.held) return { ...this.heldHead.held };
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
