import { describe } from "vitest";
import { pgUrl, postgresTestStore } from "./stores.js";
import { toolPinsContract } from "./tool-pins-contract.js";

// With the PostgreSQL suite (`npm run test:pg`, and CI): needs TOLLGATE_TEST_DATABASE_URL.
describe.skipIf(!pgUrl)("postgres", () => toolPinsContract("postgres", postgresTestStore));
