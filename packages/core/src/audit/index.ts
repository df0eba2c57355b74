export * from "./chain.js";
