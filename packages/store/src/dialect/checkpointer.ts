import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";

/** How often the background connection copies the WAL back into the database file. */
const checkpointIntervalMs = 100;
/**
 * A log this long (in pages: about 64 MB) is started over. Each restart holds queries for a few
 * milliseconds (the catch-up checkpoint syncs the log and the database file), however long the
 * log is: it copies only the pages written since the worker's last pass. A longer log restarts
 * less often (at 4,000 pages, one sequential call in 240 waited for a restart; docs/performance.md).
 */
const defaultRestartPages = 16_000;
/** How long queries wait, at most, for the worker's catch-up checkpoint. */
const quietTimeoutMs = 1_000;

// The worker's own code, kept inline so it runs the same from sources (tests) and from dist.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
let asked = false;
const checkpoint = () => {
  try { return db.pragma("wal_checkpoint(PASSIVE)")[0]; } catch { return undefined; /* busy: the next tick tries again */ }
};
const timer = setInterval(() => {
  const pass = checkpoint();
  if (pass && pass.log >= workerData.restartPages && !asked) {
    asked = true;
    parentPort.postMessage("restart");
  }
}, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message === "quiet") {
    checkpoint();
    asked = false;
    parentPort.postMessage("caught-up");
    return;
  }
  clearInterval(timer);
  try { checkpoint(); } finally { db.close(); parentPort.close(); }
});
`;

/** Runs `fn` while no transaction is open on the serving connection and none may begin. */
export type Quietly = (fn: () => Promise<void>) => Promise<void>;

export interface CheckpointerOptions {
  /** pages the log may hold before it is started over */
  restartPages?: number;
  /** told how long each restart held queries (a metric: docs/siem.md) */
  onRestart?: (holdMs: number) => void;
}

/**
 * WAL checkpoints off the event loop (docs/performance.md). SQLite copies the write-ahead log
 * back into the database file every 1,000 pages, inside whichever COMMIT crosses the mark: a
 * pause of milliseconds on the event loop, fsyncs included. Here the connection that serves
 * requests does no checkpoints; a worker thread with a connection of its own runs PASSIVE ones
 * (they never block the writer) every 100 ms.
 *
 * PASSIVE checkpoints alone never let the log start over while writes keep coming: SQLite
 * restarts it only when a write transaction begins with every page already copied, and under
 * steady load new pages always arrive while the worker copies (the log grew by hundreds of MB in
 * a minute of the bench). So once the log passes `restartPages`, the worker asks for a quiet
 * moment: queries (not the event loop) wait while it copies the few pages written since its last
 * pass, and the next transaction writes from the start of the log again.
 *
 * Should the worker die, the connection takes checkpoints back, so the log never grows without
 * bound.
 */
export function startCheckpointer(
  database: BetterSqlite3.Database,
  file: string,
  quietly: Quietly,
  { restartPages = defaultRestartPages, onRestart }: CheckpointerOptions = {},
): () => Promise<void> {
  database.pragma("wal_autocheckpoint = 0");
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      file,
      intervalMs: checkpointIntervalMs,
      restartPages,
    },
  });
  worker.unref();
  let stopping = false;
  let caughtUp: (() => void) | undefined;
  const takeBack = () => {
    caughtUp?.();
    if (!stopping && database.open) database.pragma("wal_autocheckpoint = 1000");
  };
  worker.once("error", takeBack);
  worker.once("exit", takeBack);
  const catchUp = () =>
    new Promise<void>((resolve) => {
      // a worker that does not answer must not hold queries up
      const late = setTimeout(resolve, quietTimeoutMs);
      caughtUp = () => {
        clearTimeout(late);
        caughtUp = undefined;
        resolve();
      };
      worker.postMessage("quiet");
    });
  worker.on("message", (message) => {
    if (message === "caught-up") caughtUp?.();
    else if (message === "restart" && !stopping)
      void quietly(async () => {
        const held = performance.now();
        await catchUp();
        onRestart?.(performance.now() - held);
      });
  });
  return async () => {
    stopping = true;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage("stop");
    // a last checkpoint takes milliseconds; a worker that does not answer is ended
    const stuck = setTimeout(() => void worker.terminate(), 5_000);
    await exited;
    clearTimeout(stuck);
  };
}
