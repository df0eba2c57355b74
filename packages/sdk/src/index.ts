export * from "./types.js";
export * from "./client.js";
export * from "./change-control-types.js";
export * from "./model-types.js";
export * from "./data-types.js";
export * from "./readiness-types.js";
