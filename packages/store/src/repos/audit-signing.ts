import type { AuditCheckpoint } from "@tollgate/core";
import type { Kysely } from "kysely";
import type { AuditCheckpointsTable, Database } from "../schema.js";

export interface AuditSigningKeyRecord {
  keyId: string;
  publicKey: string;
  privateKeySealed: string;
  createdAt: string;
}

const toCheckpoint = (tenantId: string, r: AuditCheckpointsTable): AuditCheckpoint => ({
  tenant: tenantId,
  seq: Number(r.seq),
  hash: r.hash,
  signedAt: r.signed_at,
  keyId: r.key_id,
  signature: r.signature,
});

/**
 * The tenant's audit signing key and its signed checkpoints. Checkpoints live in their own table
 * so purging old audit rows leaves them in place.
 */
export class AuditSigningRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tenantId: string,
  ) {}

  /** The tenant's key (the oldest, if it ever has several). */
  async key(): Promise<AuditSigningKeyRecord | undefined> {
    const r = await this.db
      .selectFrom("audit_signing_keys")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .orderBy("created_at")
      .orderBy("key_id")
      .executeTakeFirst();
    return (
      r && { keyId: r.key_id, publicKey: r.public_key, privateKeySealed: r.private_key_sealed, createdAt: r.created_at }
    );
  }

  async insertKey(k: AuditSigningKeyRecord): Promise<void> {
    await this.db
      .insertInto("audit_signing_keys")
      .values({
        tenant_id: this.tenantId,
        key_id: k.keyId,
        public_key: k.publicKey,
        private_key_sealed: k.privateKeySealed,
        created_at: k.createdAt,
      })
      .onConflict((oc) => oc.columns(["tenant_id", "key_id"]).doNothing())
      .execute();
  }

  /** Writes a checkpoint; a second one for the same seq is ignored (both sign the same head). */
  async insertCheckpoint(c: AuditCheckpoint): Promise<void> {
    await this.db
      .insertInto("audit_checkpoints")
      .values({
        tenant_id: this.tenantId,
        seq: c.seq,
        hash: c.hash,
        signed_at: c.signedAt,
        key_id: c.keyId,
        signature: c.signature,
      })
      .onConflict((oc) => oc.columns(["tenant_id", "seq"]).doNothing())
      .execute();
  }

  async latestCheckpoint(): Promise<AuditCheckpoint | undefined> {
    const r = await this.db
      .selectFrom("audit_checkpoints")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .orderBy("seq", "desc")
      .executeTakeFirst();
    return r && toCheckpoint(this.tenantId, r);
  }

  async checkpoints(): Promise<AuditCheckpoint[]> {
    const rows = await this.db
      .selectFrom("audit_checkpoints")
      .selectAll()
      .where("tenant_id", "=", this.tenantId)
      .orderBy("seq")
      .execute();
    return rows.map((r) => toCheckpoint(this.tenantId, r));
  }
}
