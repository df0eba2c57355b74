import { storeContract } from "./contract.js";
import { sqliteTestStore } from "./stores.js";

storeContract("sqlite", sqliteTestStore);
