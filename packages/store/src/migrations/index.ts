import type { Migration, MigrationProvider } from "kysely";
import * as initial from "./001_initial.js";
import * as approvals from "./002_approvals.js";
import * as mcp from "./003_mcp.js";
import * as models from "./004_models.js";
import * as auditExport from "./005_audit_export.js";
import * as identity from "./006_identity.js";
import * as changeControl from "./007_change_control.js";
import * as dataHandling from "./008_data_handling.js";
import * as partialIdempotencyIndex from "./009_partial_idempotency_index.js";
import * as narrowerHotIndexes from "./010_narrower_hot_indexes.js";
import * as executingModelCallsIndex from "./011_executing_model_calls_index.js";
import * as rowLevelSecurity from "./012_row_level_security.js";
import * as outboxSubjects from "./013_outbox_subjects.js";

/** Migrations are compiled into the package (no directory scanning), in order. */
export const migrations: Record<string, Migration> = {
  "001_initial": initial,
  "002_approvals": approvals,
  "003_mcp": mcp,
  "004_models": models,
  "005_audit_export": auditExport,
  "006_identity": identity,
  "007_change_control": changeControl,
  "008_data_handling": dataHandling,
  "009_partial_idempotency_index": partialIdempotencyIndex,
  "010_narrower_hot_indexes": narrowerHotIndexes,
  "011_executing_model_calls_index": executingModelCallsIndex,
  "012_row_level_security": rowLevelSecurity,
  "013_outbox_subjects": outboxSubjects,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
