import type { Migration, MigrationProvider } from "kysely";
import * as initial from "./001_initial.js";

/** Migrations are compiled into the package (no directory scanning), in order. */
export const migrations: Record<string, Migration> = {
  "001_initial": initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
