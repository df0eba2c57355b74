import { type Kysely, sql } from "kysely";

/**
 * Start-up recovery asks which tenants have model calls still `executing` (cut off by a crash).
 * Without an index that read every model call ever stored, so a start slowed as the table grew.
 * Partial, like `tool_calls_status`: a model call enters it with its reservation and leaves it
 * with its outcome, so the index stays a page or two and costs a finished call nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("model_calls_executing")
    .on("model_calls")
    .column("tenant_id")
    .where(sql<boolean>`${sql.ref("status")} = 'executing'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("model_calls_executing").execute();
}
