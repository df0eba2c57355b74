import type { Kysely } from "kysely";

/**
 * Performance (issue 9): the uniqueness of idempotency keys is indexed only for calls that have
 * one. Most calls have none, and every index a call's row enters is one more page its intent
 * transaction writes. Keys stay unique per run, as before (NULLs never collided).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("tool_calls_idempotency").execute();
  await db.schema
    .createIndex("tool_calls_idempotency")
    .on("tool_calls")
    .columns(["tenant_id", "run_id", "idempotency_key"])
    .unique()
    .where("idempotency_key", "is not", null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("tool_calls_idempotency").execute();
  await db.schema
    .createIndex("tool_calls_idempotency")
    .on("tool_calls")
    .columns(["tenant_id", "run_id", "idempotency_key"])
    .unique()
    .execute();
}
