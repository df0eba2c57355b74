import { describe, expect, it } from "vitest";
import { deciderGroupsOf } from "./groups.js";

describe("deciderGroupsOf", () => {
  it("keeps the groups whose keys may decide; labels and other roles only route notifications", () => {
    expect(deciderGroupsOf(["role:approver", "team:payments", "role:security", "role:admin"])).toEqual([
      "role:approver",
      "role:admin",
    ]);
    expect(deciderGroupsOf(["team:payments"])).toEqual([]);
  });
});
