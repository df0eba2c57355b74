export * from "./assess.js";
