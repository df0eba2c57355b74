export * from "./scopes.js";
export * from "./acting-as.js";
