export * from "./suggest.js";
