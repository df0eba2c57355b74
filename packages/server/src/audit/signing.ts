import { type AuditCheckpoint, newSigningKeyPair, signCheckpoint } from "@tollgate/core";
import type { Store } from "@tollgate/store";
import { type Clock, iso } from "../clock.js";
import type { Vault } from "../identity/vault.js";

export interface PublicSigningKey {
  tenant: string;
  keyId: string;
  algorithm: "Ed25519";
  /** SPKI PEM */
  publicKey: string;
}

/**
 * Each tenant's Ed25519 audit key: created on first use, the private half sealed with the
 * tenant's data key (so it is as safe as the tenant's secrets and dies with the tenant).
 * Checkpoints sign the chain head.
 */
export class AuditSigner {
  private readonly privateKeys = new Map<string, { keyId: string; pem: string }>();

  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
  ) {}

  async publicKey(tenantId: string): Promise<PublicSigningKey> {
    const k = await this.keyRecord(tenantId);
    return { tenant: tenantId, keyId: k.keyId, algorithm: "Ed25519", publicKey: k.publicKey };
  }

  /** Signs the chain head unless the latest checkpoint already covers it; returns the covering checkpoint. */
  async checkpoint(tenantId: string): Promise<AuditCheckpoint | undefined> {
    const scope = this.store.scope(tenantId);
    const head = await scope.audit.head();
    if (head.seq === 0) return undefined;
    const latest = await scope.auditSigning.latestCheckpoint();
    if (latest && latest.seq >= head.seq) return latest;
    const key = await this.privateKey(tenantId);
    const cp = signCheckpoint(key.pem, {
      tenant: tenantId,
      seq: head.seq,
      hash: head.hash,
      signedAt: iso(this.clock),
      keyId: key.keyId,
    });
    await scope.auditSigning.insertCheckpoint(cp);
    return cp;
  }

  /** Signs a checkpoint at one row (a retention purge anchors what remains at the last row it removes). */
  async checkpointAt(tenantId: string, row: { seq: number; hash: string }): Promise<AuditCheckpoint> {
    const key = await this.privateKey(tenantId);
    const cp = signCheckpoint(key.pem, {
      tenant: tenantId,
      seq: row.seq,
      hash: row.hash,
      signedAt: iso(this.clock),
      keyId: key.keyId,
    });
    await this.store.scope(tenantId).auditSigning.insertCheckpoint(cp);
    return cp;
  }

  /** Forgets a deleted tenant's cached key. */
  forget(tenantId: string): void {
    this.privateKeys.delete(tenantId);
  }

  private async keyRecord(tenantId: string) {
    const scope = this.store.scope(tenantId);
    const existing = await scope.auditSigning.key();
    if (existing) return existing;
    const pair = newSigningKeyPair();
    await scope.auditSigning.insertKey({
      keyId: pair.keyId,
      publicKey: pair.publicKey,
      privateKeySealed: await this.vault.seal(tenantId, "audit_signing_keys", pair.keyId, pair.privateKey),
      createdAt: iso(this.clock),
    });
    // two replicas may race to create one; both then use the oldest
    const k = await scope.auditSigning.key();
    if (!k) throw new Error(`the audit signing key of tenant ${tenantId} could not be stored`);
    return k;
  }

  private async privateKey(tenantId: string): Promise<{ keyId: string; pem: string }> {
    const cached = this.privateKeys.get(tenantId);
    if (cached) return cached;
    const k = await this.keyRecord(tenantId);
    const key = {
      keyId: k.keyId,
      pem: await this.vault.open(tenantId, "audit_signing_keys", k.keyId, k.privateKeySealed),
    };
    this.privateKeys.set(tenantId, key);
    return key;
  }
}
