import type BetterSqlite3 from "better-sqlite3";
import { type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, SqliteDialect } from "kysely";

/** Where statements come from (the statement cache) and the raw connection they run on. */
export interface SqliteConnectionSource {
  prepare(sql: string): BetterSqlite3.Statement;
  readonly raw: BetterSqlite3.Database;
  /** closes the connection and whatever serves it */
  close(): Promise<void>;
}

/**
 * The embedded store's dialect with group commit (docs/performance.md). A COMMIT is the most
 * expensive statement a governed call runs, so transactions that arrive together share one:
 * each transaction is a savepoint inside one open SQLite transaction, and that transaction
 * commits on the next turn of the event loop. A caller's `transaction()` still resolves only
 * after the COMMIT that holds its writes (fail closed: nothing runs on an unwritten intent); a
 * failed transaction rolls back to its savepoint without touching the others; a failed COMMIT
 * fails every transaction in it. Transactions still run one after another, so each sees the
 * ones before it, exactly as without grouping.
 *
 * The transaction that opens a group needs no savepoint: nothing else is in the group yet, so if
 * it fails the whole SQLite transaction rolls back. A lone transaction (every one at sequential
 * load) so costs BEGIN and COMMIT only, and its changed pages are not copied into a savepoint's
 * journal.
 */
export class GroupCommitSqliteDialect extends SqliteDialect {
  private readonly driver: GroupCommitDriver;

  constructor(source: SqliteConnectionSource) {
    super({ database: { close: () => void source.close(), prepare: (sql) => source.prepare(sql) } });
    this.driver = new GroupCommitDriver(source);
  }

  override createDriver(): Driver {
    return this.driver;
  }

  /** Runs `fn` once the open group has committed, holding every other query until it settles. */
  quietly(fn: () => Promise<void>): Promise<void> {
    return this.driver.quietly(fn);
  }
}

/** One turn on the single connection: a transaction or a plain query. */
class Turn implements DatabaseConnection {
  ended = false;
  inTransaction = false;
  /** this transaction opened its group: it has no savepoint, its rollback is the group's */
  opensGroup = false;
  /** a plain write made while a group was open: it is durable only when the group commits */
  wroteIntoGroup = false;

  constructor(private readonly driver: GroupCommitDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // a statement bound to a transaction that has ended (prepared.ts bindConnection) must not run outside it
    if (this.ended) return Promise.reject(new Error("a query on a transaction that has already ended"));
    return Promise.resolve(this.driver.run<R>(this, query.sql, query.parameters));
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered on the embedded store
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("the embedded store does not stream query results");
  }
}

/** Turns on the connection, first come first served. */
class TurnQueue {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  acquire(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

interface Group {
  committed: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function openGroup(): Group {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const committed = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // a group nobody waits on (only reads, or every transaction rolled back) must not warn
  committed.catch(() => undefined);
  return { committed, resolve, reject };
}

class GroupCommitDriver implements Driver {
  private readonly turns = new TurnQueue();
  private group: Group | undefined;
  private flushScheduled = false;

  constructor(private readonly source: SqliteConnectionSource) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.turns.acquire();
    return new Turn(this);
  }

  run<R>(turn: Turn, sql: string, parameters: readonly unknown[]): QueryResult<R> {
    const stmt = this.source.prepare(sql);
    if (!turn.inTransaction && this.group && !stmt.readonly) turn.wroteIntoGroup = true;
    if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const turn = connection as Turn;
    // SQLite itself rolled the open transaction back (an I/O error): its group cannot commit
    if (this.group && !this.source.raw.inTransaction) this.settle(new Error("the open transaction was rolled back"));
    if (this.group) {
      this.exec("savepoint tollgate_tx");
    } else {
      this.exec("begin immediate");
      this.group = openGroup();
      turn.opensGroup = true;
    }
    turn.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const turn = connection as Turn;
    if (!turn.opensGroup) this.exec("release tollgate_tx");
    turn.inTransaction = false;
    const group = this.group as Group;
    this.endTurn(turn);
    await group.committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const turn = connection as Turn;
    if (turn.ended) return; // its group's COMMIT failed: nothing is left to roll back
    if (turn.inTransaction && turn.opensGroup) {
      // nothing but this transaction is in the group: it all goes, and no group is left open
      if (this.source.raw.inTransaction) this.exec("rollback");
      this.settle();
    } else if (turn.inTransaction && this.source.raw.inTransaction) {
      this.exec("rollback to tollgate_tx");
      this.exec("release tollgate_tx");
    }
    turn.inTransaction = false;
    this.endTurn(turn);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const turn = connection as Turn;
    if (turn.ended) return;
    const durable = turn.wroteIntoGroup ? this.group?.committed : undefined;
    this.endTurn(turn);
    await durable;
  }

  async quietly(fn: () => Promise<void>): Promise<void> {
    await this.turns.acquire();
    try {
      this.commitGroup();
      await fn();
    } finally {
      this.turns.release();
    }
  }

  async destroy(): Promise<void> {
    await this.turns.acquire();
    this.commitGroup();
    await this.source.close();
  }

  private endTurn(turn: Turn): void {
    turn.ended = true;
    if (this.group && !this.flushScheduled) {
      this.flushScheduled = true;
      // the next turn of the event loop: calls whose requests arrived meanwhile join this group
      setImmediate(() => void this.flush());
    }
    this.turns.release();
  }

  private async flush(): Promise<void> {
    await this.turns.acquire();
    this.flushScheduled = false;
    try {
      this.commitGroup();
    } finally {
      this.turns.release();
    }
  }

  private commitGroup(): void {
    if (!this.group) return;
    try {
      this.exec("commit");
      this.settle();
    } catch (e) {
      if (this.source.raw.inTransaction) {
        try {
          this.exec("rollback");
        } catch {
          // the connection is unusable; the next begin reports it
        }
      }
      this.settle(e);
    }
  }

  private settle(error?: unknown): void {
    const group = this.group;
    this.group = undefined;
    if (error === undefined) group?.resolve();
    else group?.reject(error);
  }

  private exec(sql: string): void {
    this.source.prepare(sql).run();
  }
}
