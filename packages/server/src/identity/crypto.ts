import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Envelope encryption. Each tenant has a random 256-bit data key, stored wrapped (AES-256-GCM)
 * by the master key. Values are sealed with the tenant's key and additional data naming the
 * tenant, table and row, so a ciphertext copied into another row or tenant does not open.
 */
const version = "v1";

export function seal(key: Uint8Array, plaintext: string | Uint8Array, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([
    cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext),
    cipher.final(),
  ]);
  return `${version}:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64")}`;
}

export function open(key: Uint8Array, sealed: string, aad: string): Buffer {
  if (!sealed.startsWith(`${version}:`)) throw new Error("unknown ciphertext format");
  const raw = Buffer.from(sealed.slice(version.length + 1), "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

export const newDataKey = (): Buffer => randomBytes(32);

export const rowAad = (tenantId: string, table: string, rowId: string): string =>
  `tenant=${tenantId};table=${table};row=${rowId}`;

export const wrapDataKey = (master: Uint8Array, tenantId: string, dataKey: Uint8Array): string =>
  seal(master, dataKey, `tenant-key:${tenantId}`);

export const unwrapDataKey = (master: Uint8Array, tenantId: string, wrapped: string): Buffer =>
  open(master, wrapped, `tenant-key:${tenantId}`);
