import type { Role } from "@tollgate/store";

/** Who is calling: resolved from the bearer key on every request. */
export interface Principal {
  keyId: string;
  tenantId: string;
  /** null only for the operator key */
  workspaceId: string | null;
  role: Role;
  name: string;
}

export const operatorTenant = "_operator";
export const operatorKeyId = "key_operator";
