export * from "./suggest.js";
export * from "./groups.js";
