import { describe, expect, it } from "vitest";
import { requestTarget } from "./target.js";

describe("requestTarget", () => {
  it("splits a URL into origin and path, without a trailing slash", () => {
    expect(requestTarget("http://127.0.0.1:4010/tracker/")).toEqual({
      origin: "http://127.0.0.1:4010",
      path: "/tracker",
    });
    expect(requestTarget("https://api.example.com")).toEqual({ origin: "https://api.example.com", path: "" });
    expect(requestTarget("https://api.example.com/v1/chat/completions?x=1")).toEqual({
      origin: "https://api.example.com",
      path: "/v1/chat/completions?x=1",
    });
  });
});
