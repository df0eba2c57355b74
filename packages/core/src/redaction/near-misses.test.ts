import { describe, expect, it } from "vitest";
import { createRedactor, redactText, redactValue } from "./index.js";

/** Near-misses a privacy reviewer plants to see whether redaction over-reaches (issue 10). */
const all = ["secrets", "pii"] as const;
const kept = (s: string) => expect(redactText(s, { kinds: [...all] }).value).toBe(s);

describe("near-misses that must not be redacted", () => {
  it("order numbers that are not cards (Luhn fails, wrong prefix or length)", () => {
    kept("order 4111111111111112 shipped");
    kept("order #1234567890123456");
    kept("ORD-4111-1111-1111-1112");
    kept("tracking 9400111899223344556677");
    expect(redactValue({ orderId: 1234567890123456 }, { kinds: [...all] }).value).toEqual({
      orderId: 1234567890123456,
    });
  });

  it("UUIDs, request ids and hashes that are not keys", () => {
    kept("run 3f2b8c1e-9d4a-4f6b-8e2a-1c5d7e9f0a3b started");
    kept('{"requestId":"550e8400-e29b-41d4-a716-446655440000"}');
    kept("commit 9fceb02d0ae598e95dc970b74767f19372d61af8");
    kept("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(redactValue({ id: "550e8400-e29b-41d4-a716-446655440000" }, { kinds: [...all] }).value).toEqual({
      id: "550e8400-e29b-41d4-a716-446655440000",
    });
  });

  it("still redacts the real thing next to the near-miss", () => {
    const r = createRedactor({ kinds: [...all] });
    const text = "order 4111111111111112, card 4111 1111 1111 1111, id 550e8400-e29b-41d4-a716-446655440000";
    expect(r.text(text).value).toBe(
      "order 4111111111111112, card [REDACTED:pii.card], id 550e8400-e29b-41d4-a716-446655440000",
    );
  });
});
