import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openStore, type Store } from "../src/index.js";

/** A fresh SQLite file with tenant `t`, closed and removed afterwards. */
async function withStore(
  test: (store: Store, file: string) => Promise<void>,
  opts: { walRestartPages?: number } = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-checkpoint-"));
  const file = join(dir, "tollgate.db");
  const store = await openStore({ sqliteFile: file, ...opts });
  try {
    await store.createTenant({ id: "t", name: null, wrappedKey: "-", createdAt: "2026-01-01T00:00:00Z" });
    await test(store, file);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const appendEvent = (store: Store, data: Record<string, unknown>) =>
  store.transaction("t", (s) => s.audit.append([{ type: "test.event", data }], "2026-01-01T00:00:00Z"));

describe("WAL checkpoints off the event loop", () => {
  it("copies committed pages into the database file from a background connection", () =>
    withStore(async (store, file) => {
      const before = statSync(file).size;
      for (let i = 0; i < 300; i++) await appendEvent(store, { i, filler: "x".repeat(500) });
      // the serving connection never checkpoints: only the worker can grow the database file
      const autocheckpoint = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
      expect(autocheckpoint.rows[0]?.wal_autocheckpoint).toBe(0);
      let grown = false;
      for (let i = 0; i < 100 && !grown; i++) {
        grown = statSync(file).size > before + 100_000;
        if (!grown) await new Promise((r) => setTimeout(r, 50));
      }
      expect(grown).toBe(true);
    }));

  it(
    "starts the log over while writes keep coming",
    () =>
      withStore(
        async (store, file) => {
          // writers that never pause: a commit group is open nearly all the time, so the worker's
          // checkpoints never catch up with the log on their own
          const filler = "x".repeat(3_000);
          const holds: number[] = [];
          store.diagnostics.on("walRestart", (ms) => holds.push(ms));
          let written = 0;
          const writer = async () => {
            while (written < 100_000_000) {
              written += filler.length;
              await appendEvent(store, { filler });
            }
          };
          await Promise.all(Array.from({ length: 32 }, writer));
          // 100 MB of events went through the log; it was started over instead of growing with them
          expect(statSync(`${file}-wal`).size).toBeLessThan(60_000_000);
          // each restart told how long it held queries (the server's metric)
          expect(holds.length).toBeGreaterThan(0);
          for (const ms of holds) expect(ms).toBeGreaterThan(0);
        },
        { walRestartPages: 4_000 },
      ),
    60_000,
  );
});
