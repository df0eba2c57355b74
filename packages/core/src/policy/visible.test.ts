import { describe, expect, it } from "vitest";
import { compileWorkflow } from "../manifest/compile.js";
import { loadManifest } from "../manifest/parse.js";
import { actionsVisibleToAgents } from "./visible.js";

function visible(policy: string[]) {
  const { manifest, version } = loadManifest(
    [
      "apiVersion: tollgate/v1",
      "kind: Workflow",
      "name: t",
      "description: d",
      "owner: o",
      "start: s",
      "end: e",
      "systems:",
      "  shop:",
      "    connector: { type: mcp, command: node }",
      "    actions:",
      "      get_order: { class: READ }",
      "      delete_order: { class: DELETE }",
      "      purge: { class: DELETE }",
      "policy:",
      ...policy.map((l) => `  ${l}`),
    ].join("\n"),
  );
  return actionsVisibleToAgents(compileWorkflow(manifest, version)).map((a) => a.id);
}

describe("actionsVisibleToAgents", () => {
  it("hides actions whose class default is block", () => {
    expect(visible(["defaults: { DELETE: block }"])).toEqual(["shop.get_order"]);
  });

  it("shows a blocked-by-default action that some rule could allow or approve", () => {
    expect(
      visible([
        "defaults: { DELETE: block }",
        "rules:",
        "  - { name: r, match: shop.delete_order, when: 'args.id == \"x\"', effect: approve }",
      ]),
    ).toEqual(["shop.get_order", "shop.delete_order"]);
  });

  it("hides an action an unconditional block rule covers", () => {
    expect(visible(["rules:", "  - { name: r, match: '*.purge', effect: block }"])).toEqual([
      "shop.get_order",
      "shop.delete_order",
    ]);
    expect(
      visible(["rules:", "  - { name: r, match: '*.purge', when: 'args.all == true', effect: block }"]),
    ).toHaveLength(3);
  });
});
