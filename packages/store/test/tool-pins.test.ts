import { sqliteTestStore } from "./stores.js";
import { toolPinsContract } from "./tool-pins-contract.js";

toolPinsContract("sqlite", sqliteTestStore);
