import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../src/index.js";
import type { TestStore } from "./stores.js";

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

/** Pins of upstream MCP tool definitions (issue 4), the same on both dialects. */
export function toolPinsContract(name: string, make: () => Promise<TestStore>): void {
  describe(`tool pins on ${name}`, () => {
    let t: TestStore;
    let store: Store;
    const pin = (version: string, tool: string, hash: string) => ({
      workspaceId: "wa",
      workflow: "wf",
      version,
      system: "tracker",
      tool,
      hash,
      definition: { name: tool, description: `about ${tool}`, inputSchema: { type: "object" } },
      pinnedAt: at(0),
      pinnedBy: "key_admin",
    });

    beforeEach(async () => {
      t = await make();
      store = t.store;
      for (const id of ["ta", "tb"]) await store.createTenant({ id, name: id, wrappedKey: "k", createdAt: at(0) });
    });
    afterEach(async () => t.cleanup());

    it("stores the pins of a version once, per tenant", async () => {
      const a = store.scope("ta").toolPins;
      await a.insert([pin("v1", "search", "h1"), pin("v1", "create", "h2")]);
      await a.insert([pin("v1", "search", "other")]);
      expect((await a.get("wa", "wf", "v1", "tracker", "search"))?.hash).toBe("h1");
      expect((await a.listForVersion("wa", "wf", "v1")).map((p) => p.tool)).toEqual(["create", "search"]);
      expect(await a.get("wa", "wf", "v1", "tracker", "search")).toMatchObject({
        definition: { name: "search", description: "about search" },
        acceptedAt: null,
      });
      expect(await store.scope("tb").toolPins.listForVersion("wa", "wf", "v1")).toEqual([]);
    });

    it("accepts a new definition for every version of the workflow that pins the tool", async () => {
      const a = store.scope("ta").toolPins;
      await a.insert([pin("v1", "search", "h1"), pin("v2", "search", "h1b"), pin("v2", "create", "h2")]);
      const before = await a.accept("wa", "wf", "tracker", "search", {
        hash: "h3",
        definition: { name: "search", description: "new" },
        at: at(5),
        by: "key_admin",
      });
      expect(before.map((p) => p.hash).sort()).toEqual(["h1", "h1b"]);
      for (const v of ["v1", "v2"]) {
        expect(await a.get("wa", "wf", v, "tracker", "search")).toMatchObject({
          hash: "h3",
          definition: { description: "new" },
          acceptedAt: at(5),
          acceptedBy: "key_admin",
        });
      }
      expect((await a.get("wa", "wf", "v2", "tracker", "create"))?.hash).toBe("h2");
      // another tenant's pins are untouched by this tenant's accept
      await store.scope("tb").toolPins.insert([pin("v1", "search", "h1")]);
      await a.accept("wa", "wf", "tracker", "search", { hash: "h4", definition: {}, at: at(6), by: "key_admin" });
      expect((await store.scope("tb").toolPins.get("wa", "wf", "v1", "tracker", "search"))?.hash).toBe("h1");
    });
  });
}
