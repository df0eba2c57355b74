export * from "./app.js";
export * from "./clock.js";
export * from "./serve.js";
export type { Services } from "./services.js";
export type { Principal } from "./identity/principal.js";
export { listMcpTools } from "./connectors/mcp/pool.js";
export { sessionFetch } from "./connectors/mcp/fetch.js";
