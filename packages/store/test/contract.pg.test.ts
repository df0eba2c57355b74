import { describe } from "vitest";
import { storeContract } from "./contract.js";
import { pgUrl, postgresTestStore } from "./stores.js";

// The PostgreSQL suite (`npm run test:pg`, and CI) needs TOLLGATE_TEST_DATABASE_URL.
describe.skipIf(!pgUrl)("postgres", () => storeContract("postgres", postgresTestStore));
