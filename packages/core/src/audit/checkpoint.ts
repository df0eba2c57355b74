import { createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { canonicalJson, sha256Hex } from "../canonical.js";

/**
 * A signed checkpoint: the tenant's chain head (seq, hash) at a moment, signed with the tenant's
 * Ed25519 key. Anyone holding the public key can check, offline, that the rows up to `seq` are the
 * ones Tollgate wrote. Checkpoints are kept when old rows are purged, so a later export still
 * starts from a signed anchor.
 */
export interface AuditCheckpoint {
  tenant: string;
  seq: number;
  hash: string;
  signedAt: string;
  keyId: string;
  signature: string;
}

export type UnsignedCheckpoint = Omit<AuditCheckpoint, "signature">;

/** The exact bytes that are signed. */
export function checkpointMessage(c: UnsignedCheckpoint): Buffer {
  return Buffer.from(
    canonicalJson({ v: 1, tenant: c.tenant, seq: c.seq, hash: c.hash, signedAt: c.signedAt, keyId: c.keyId }),
    "utf8",
  );
}

export interface SigningKeyPair {
  /** SPKI PEM */
  publicKey: string;
  /** PKCS#8 PEM; store it sealed */
  privateKey: string;
  /** names the key in checkpoints: the first 16 hex characters of sha256 of the public key */
  keyId: string;
}

export function newSigningKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = publicKey.export({ type: "spki", format: "pem" }).toString();
  return {
    publicKey: pub,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    keyId: signingKeyId(pub),
  };
}

export function signingKeyId(publicKeyPem: string): string {
  return `ed25519:${sha256Hex(createPublicKey(publicKeyPem).export({ type: "spki", format: "der" })).slice(0, 16)}`;
}

export function signCheckpoint(privateKeyPem: string, c: UnsignedCheckpoint): AuditCheckpoint {
  return { ...c, signature: sign(null, checkpointMessage(c), privateKeyPem).toString("base64") };
}

export function checkpointSignatureValid(publicKey: KeyObject | string, c: AuditCheckpoint): boolean {
  try {
    return verify(null, checkpointMessage(c), publicKey, Buffer.from(c.signature, "base64"));
  } catch {
    return false;
  }
}

/**
 * Reads a public key given as SPKI PEM or as base64 of the SPKI DER; the error says which forms
 * are accepted.
 */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  try {
    const key = t.startsWith("-----BEGIN")
      ? createPublicKey(t)
      : createPublicKey({ key: Buffer.from(t, "base64"), format: "der", type: "spki" });
    if (key.asymmetricKeyType !== "ed25519") throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (e) {
    throw new Error(`the public key is not an Ed25519 key in SPKI PEM or base64 DER form (${(e as Error).message})`);
  }
}
