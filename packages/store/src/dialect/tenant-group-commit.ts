import { AsyncLocalStorage } from "node:async_hooks";
import { type Kysely, sql } from "kysely";
import { HeldHead, writeHead } from "../repos/audit.js";
import type { Database } from "../schema.js";

interface Member {
  run(db: Kysely<Database>, held: HeldHead): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Transactions of one tenant sharing one COMMIT at most: bounds how long a group holds its locks,
 * and stays within the 64 subtransactions PostgreSQL caches per session.
 */
const maxMembers = 32;

/**
 * Group commit per tenant on PostgreSQL (docs/performance.md). A tenant's audit chain has one
 * head row, which every append locks until its COMMIT: one tenant's transactions committed one
 * at a time, each waiting for its own WAL flush, however many callers there were. Now the
 * transactions of a tenant that arrive while one of its groups is running wait for it, then run
 * together on one connection inside one transaction, each in a savepoint of its own, one after
 * another (so each sees the ones before it, as before), and share one COMMIT. A caller is
 * answered only after the COMMIT that holds its writes (nothing runs on an unwritten intent); a
 * transaction that fails rolls back to its savepoint alone; a failed COMMIT fails every
 * transaction in it. Other tenants' groups run at the same time on other connections.
 *
 * The group also holds its tenant's audit head (repos/audit.ts `HeldHead`): after the first
 * append has reserved and written the head row, later appends link to the held head without
 * touching the row, which the group then writes once before its COMMIT: one round trip less per
 * later append, none more for a lone one.
 *
 * A transaction begun inside another of the same tenant (which would otherwise wait for the very
 * group it is part of) runs on a connection of its own, as every transaction did before.
 */
export class TenantGroupCommit {
  private readonly waiting = new Map<string, Member[]>();
  private readonly insideGroupOf = new AsyncLocalStorage<string>();

  /** `dbFor(tenant)`: the database as that tenant (dialect/postgres.ts TenantConnections) */
  constructor(private readonly dbFor: (tenantId: string) => Kysely<Database>) {}

  run<T>(tenantId: string, fn: (db: Kysely<Database>, held?: HeldHead) => Promise<T>): Promise<T> {
    if (this.insideGroupOf.getStore() === tenantId)
      return this.dbFor(tenantId)
        .transaction()
        .execute((trx) => fn(trx));
    return new Promise<T>((resolve, reject) => {
      const member: Member = { run: fn, resolve: resolve as (v: unknown) => void, reject };
      const queue = this.waiting.get(tenantId);
      if (queue) {
        queue.push(member);
        return;
      }
      this.waiting.set(tenantId, [member]);
      void this.drain(tenantId);
    });
  }

  /** Groups one after another while members wait; then the tenant has no queue until the next one. */
  private async drain(tenantId: string): Promise<void> {
    const queue = this.waiting.get(tenantId) as Member[];
    while (queue.length > 0) await this.group(tenantId, queue);
    this.waiting.delete(tenantId);
  }

  /**
   * One transaction for up to maxMembers waiting members. Never throws: each member is settled.
   * The first member needs no savepoint (if it fails, nothing else is in the transaction yet), so
   * a lone caller costs what a plain transaction did; each later one costs one round trip more.
   */
  private async group(tenantId: string, queue: Member[]): Promise<void> {
    const written: [Member, unknown][] = [];
    let current: Member | undefined;
    try {
      await this.dbFor(tenantId)
        .connection()
        .execute(async (conn) => {
          let open = false;
          const head = new HeldHead();
          try {
            while (queue.length > 0 && written.length < maxMembers) {
              current = queue.shift() as Member;
              const first = written.length === 0;
              if (!open) await sql`begin`.execute(conn);
              else if (written.length === 1) await sql`savepoint tollgate_tx`.execute(conn);
              else await sql`release savepoint tollgate_tx; savepoint tollgate_tx`.execute(conn);
              open = true;
              const before = { held: head.held, stale: head.stale };
              const outcome = await this.runMember(tenantId, current, conn, head);
              if ("error" in outcome) {
                if (first) {
                  await sql`rollback`.execute(conn);
                  open = false;
                } else await sql`rollback to savepoint tollgate_tx`.execute(conn);
                // what it reserved or linked is gone with its writes (the row's lock too, if it took
                // it); a first member started from an empty hold
                Object.assign(head, before);
                current.reject(outcome.error);
              } else written.push([current, outcome.value]);
              current = undefined;
            }
            if (head.held && head.stale) await writeHead(conn, tenantId, head.held);
            if (open) await sql`commit`.execute(conn);
          } catch (e) {
            if (open) await sql`rollback`.execute(conn).catch(() => undefined);
            throw e;
          }
        });
    } catch (e) {
      // the connection, a savepoint or the COMMIT failed: nothing of this group was written
      current?.reject(e);
      for (const [member] of written) member.reject(e);
      // no connection or no BEGIN: those waiting would fail the same way, now rather than in a loop
      if (current === undefined && written.length === 0) for (const member of queue.splice(0)) member.reject(e);
      return;
    }
    for (const [member, value] of written) member.resolve(value);
  }

  private runMember(
    tenantId: string,
    member: Member,
    conn: Kysely<Database>,
    head: HeldHead,
  ): Promise<{ value: unknown } | { error: unknown }> {
    return this.insideGroupOf.run(tenantId, () =>
      member.run(conn, head).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    );
  }
}
