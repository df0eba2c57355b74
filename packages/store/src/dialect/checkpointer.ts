import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";

/** How often the background connection copies the WAL back into the database file. */
export const checkpointIntervalMs = 100;

// The worker's own code, kept inline so it runs the same from sources (tests) and from dist.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
const timer = setInterval(() => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch { /* busy: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  try { db.pragma("wal_checkpoint(PASSIVE)"); } finally { db.close(); parentPort.close(); }
});
`;

/**
 * WAL checkpoints off the event loop (docs/performance.md). SQLite copies the write-ahead log
 * back into the database file every 1,000 pages, inside whichever COMMIT crosses the mark: a
 * pause of milliseconds on the event loop, fsyncs included. Here the connection that serves
 * requests does no checkpoints; a worker thread with a connection of its own runs PASSIVE ones
 * (they never block the writer) every 100 ms. Should the worker die, the connection takes
 * checkpoints back, so the log never grows without bound.
 */
export function startCheckpointer(database: BetterSqlite3.Database, file: string): () => Promise<void> {
  database.pragma("wal_autocheckpoint = 0");
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      file,
      intervalMs: checkpointIntervalMs,
    },
  });
  worker.unref();
  let stopping = false;
  const takeBack = () => {
    if (!stopping && database.open) database.pragma("wal_autocheckpoint = 1000");
  };
  worker.once("error", takeBack);
  worker.once("exit", takeBack);
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
