export * from "./errors.js";
export * from "./canonical.js";
export * from "./ids.js";
export * from "./duration.js";
