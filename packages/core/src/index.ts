export * from "./errors.js";
export * from "./canonical.js";
export * from "./ids.js";
export * from "./duration.js";
export * from "./audit/index.js";
export * from "./manifest/index.js";
export * from "./policy/index.js";
export * from "./redaction/index.js";
