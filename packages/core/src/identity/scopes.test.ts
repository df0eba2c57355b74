import { describe, expect, it } from "vitest";
import { parseActingAs, formatActingAs, readActingAs } from "./acting-as.js";
import { isBlanketScope, parseScopeString, scopesNeeded, widerScopes } from "./scopes.js";

describe("scopes", () => {
  it("recognises blanket scopes and leaves narrow ones alone", () => {
    for (const s of ["*", "all", "ADMIN", "repo:*", "chat.*"]) expect(isBlanketScope(s)).toBe(true);
    for (const s of ["chat:write", "issues:read", "administrator.read", "openid"])
      expect(isBlanketScope(s)).toBe(false);
  });

  it("builds the scopes a connection needs from the systems that use it", () => {
    const manifest = {
      systems: {
        chat: { connector: { type: "http", auth: { type: "oauth2", connection: "slack" } }, scopes: ["chat:write"] },
        files: { connector: { type: "http", auth: { type: "oauth2", connection: "slack" } }, scopes: ["files:read"] },
        tracker: { connector: { type: "http", auth: { type: "bearer", secretRef: "t" } }, scopes: ["issues:read"] },
      },
    };
    expect(scopesNeeded([manifest], "slack")).toEqual({
      scopes: ["chat:write", "files:read"],
      systems: ["chat", "files"],
    });
    expect(scopesNeeded([manifest], "other")).toEqual({ scopes: [], systems: [] });
  });

  it("parses a granted scope string and finds what is wider than asked", () => {
    expect(parseScopeString(" b a  a ")).toEqual(["a", "b"]);
    expect(widerScopes(["a"], ["a", "admin"])).toEqual(["admin"]);
  });
});

describe("acting as", () => {
  it("reads objects, the stored strings and the legacy bare user", () => {
    expect(parseActingAs("service")).toEqual({ kind: "service", id: "service" });
    expect(parseActingAs({ kind: "service" })).toEqual({ kind: "service", id: "service" });
    expect(parseActingAs({ kind: "user", id: "alice@example.com" })).toEqual({ kind: "user", id: "alice@example.com" });
    expect(parseActingAs("user:bob")).toEqual({ kind: "user", id: "bob" });
    expect(parseActingAs("carol")).toEqual({ kind: "user", id: "carol" });
    expect(formatActingAs({ kind: "user", id: "bob" })).toBe("user:bob");
    expect(formatActingAs({ kind: "service", id: "service" })).toBe("service");
    expect(readActingAs(null)).toBeNull();
  });

  it("names what is wrong", () => {
    expect(() => parseActingAs({ kind: "robot", id: "x" })).toThrow(/kind/);
    expect(() => parseActingAs({ kind: "user" })).toThrow(/id/);
    expect(() => parseActingAs({ kind: "user", id: "a b" })).toThrow(/id/);
  });
});
