import type { Kysely } from "kysely";

/**
 * Performance (issue 9): the uniqueness of idempotency keys is indexed only for calls that have
 * one. Most calls have none, and every index a call's row enters is one more page its intent
 * transaction writes. Keys stay unique per run, as before (NULLs never collided).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await recreateIdempotencyIndex(db, { partial: true });
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await recreateIdempotencyIndex(db, { partial: false });
}

async function recreateIdempotencyIndex(db: Kysely<unknown>, o: { partial: boolean }): Promise<void> {
  await db.schema.dropIndex("tool_calls_idempotency").execute();
  const index = db.schema
    .createIndex("tool_calls_idempotency")
    .on("tool_calls")
    .columns(["tenant_id", "run_id", "idempotency_key"])
    .unique();
  await (o.partial ? index.where("idempotency_key", "is not", null) : index).execute();
}
