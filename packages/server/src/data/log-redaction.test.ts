import { Writable } from "node:stream";
import { createRedactor } from "@tollgate/core";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { redactingLogger } from "./log-redaction.js";

describe("server log redaction", () => {
  it("redacts secrets, PII and stored secret values in messages, errors and fields; drops query strings", () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const redactor = createRedactor({ kinds: ["secrets", "pii.email"], knownSecrets: ["stored-value-0000x"] });
    const log = pino(redactingLogger({ level: "info" }, () => redactor) as pino.LoggerOptions, stream);
    const token = `ghp_${"a1B2".repeat(9)}`;
    log.error({ err: new Error(`upstream said ${token}`), who: "jane@example.org" }, "failed with stored-value-0000x");
    log.info({ req: { method: "GET", url: "/approval-links?c=claims&s=signature", ip: "127.0.0.1" } }, "incoming");
    const text = lines.join("");
    expect(text).not.toContain(token);
    expect(text).not.toContain("jane@example.org");
    expect(text).not.toContain("stored-value-0000x");
    expect(text).not.toContain("signature");
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 50, err: { type: "Error" } });
    expect(JSON.parse(lines[1]!).req).toEqual({ method: "GET", url: "/approval-links", remoteAddress: "127.0.0.1" });
  });

  it("stays off when logging is off", () => {
    expect(redactingLogger(false, () => createRedactor({}))).toBe(false);
  });
});
