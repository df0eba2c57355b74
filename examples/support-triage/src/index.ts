export * from "./seed.js";
export * from "./systems.js";
export * from "./workflow.js";
export * from "./agent.js";
export * from "./fake-model.js";
