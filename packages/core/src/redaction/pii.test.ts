import { describe, expect, it } from "vitest";
import { redactText } from "./index.js";

const pii = { kinds: ["pii"] };
const red = (s: string, kinds: string[] = ["pii"]) => redactText(s, { kinds }).value;
const unchanged = (samples: string[], kinds?: string[]) => {
  for (const s of samples) expect(red(s, kinds)).toBe(s);
};

describe("pii.email", () => {
  it("replaces addresses", () => {
    expect(red("mail alice.smith+x@example.co.uk, thanks")).toBe("mail [REDACTED:pii.email], thanks");
    expect(red("<bob@corp.example>")).toBe("<[REDACTED:pii.email]>");
    expect(red("mailto:carol@example.org")).toBe("mailto:[REDACTED:pii.email]");
  });
  it("leaves look-alikes", () => {
    unchanged(["icon@2x.png", "lodash@4.17.21", "@scope/pkg", "user@localhost", "a @ b.com"]);
  });
  it("is opt-in", () => {
    expect(red("alice@example.com", [])).toBe("alice@example.com");
    expect(red("alice@example.com", ["pii.email"])).toBe("[REDACTED:pii.email]");
  });
});

describe("pii.phone", () => {
  it("replaces international and common national formats", () => {
    for (const s of [
      "+1 (555) 123-4567",
      "+44 20 7946 0958",
      "+44 (0)20 7946 0958",
      "+33 1 23 45 67 89",
      "+15551234567",
      "555-123-4567",
      "(555) 123-4567",
      "555.123.4567",
      "1-800-555-0199",
      "020 7946 0958",
      "07700 900123",
      "01 23 45 67 89",
    ]) {
      expect(red(`call ${s} today`)).toBe("call [REDACTED:pii.phone] today");
    }
    expect(red("tel:+4930123456789")).toBe("tel:[REDACTED:pii.phone]");
    expect(red("room 12 555-123-4567")).toBe("room 12 [REDACTED:pii.phone]");
  });
  it("leaves ids, amounts, dates and times (bare digit strings are never phone numbers)", () => {
    unchanged(
      [
        "order 20240115123456",
        "ts 1700000000123",
        "call 5551234567",
        "ORD-2024-000123",
        "2024-01-15T10:30:00Z",
        "2024-01-15 10:30:00",
        "15.01.2024 10:30",
        "1 234 567 890 EUR",
        "10.100.200.30",
        "3704 0044 0532 0130 01",
        "555-1234",
        "123e4567-e89b-12d3-a456-426614174000",
      ],
      ["pii.phone"],
    );
  });
});

describe("pii.card", () => {
  it("replaces Luhn-valid numbers with a network prefix, grouped or not", () => {
    for (const s of [
      "4111 1111 1111 1111",
      "4111-1111-1111-1111",
      "4111111111111111",
      "5555555555554444",
      "2223003122003222",
      "378282246310005",
      "3782 822463 10005",
      "6011111111111117",
      "3530111333300000",
      "4222222222222",
    ]) {
      expect(red(`card ${s}.`, ["pii.card"])).toBe("card [REDACTED:pii.card].");
    }
    expect(red("card 4111 1111 1111 1111 12 items", ["pii.card"])).toBe("card [REDACTED:pii.card] 12 items");
  });
  it("leaves numbers failing Luhn, prefix or length checks", () => {
    unchanged(
      [
        "order 4111111111111112",
        "1234567812345670",
        "4111 1111 1111 111",
        "41111111111111111111111",
        "378282246310005123",
        "4111 1111-1111 1111",
        "id-4111111111111111",
        "v4111111111111111",
      ],
      ["pii.card"],
    );
  });
});

describe("pii.iban", () => {
  it("replaces mod-97 valid IBANs, grouped or not", () => {
    expect(red("iban DE89 3704 0044 0532 0130 00 is mine")).toBe("iban [REDACTED:pii.iban] is mine");
    expect(red("GB82WEST12345698765432")).toBe("[REDACTED:pii.iban]");
    expect(red("FR1420041010050500013M02606.")).toBe("[REDACTED:pii.iban].");
  });
  it("leaves bad checksums, lengths and unknown countries", () => {
    unchanged([
      "DE89 3704 0044 0532 0130 01",
      "DE89370400440532013000X",
      "ZZ89370400440532013000",
      "de89370400440532013000",
      "GB82WEST1234569876543",
    ]);
  });
});

describe("pii.ssn", () => {
  it("replaces dashed SSNs", () => {
    expect(red("ssn 123-45-6789.")).toBe("ssn [REDACTED:pii.ssn].");
  });
  it("leaves never-issued ranges and other shapes", () => {
    unchanged(["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000", "123456789", "1123-45-6789"]);
  });
});

describe("pii.ip", () => {
  it("replaces IPv4 and IPv6 addresses", () => {
    expect(red("from 192.168.1.10, via 10.0.0.1.")).toBe("from [REDACTED:pii.ip], via [REDACTED:pii.ip].");
    expect(red("server 8.8.8.8")).toBe("server [REDACTED:pii.ip]");
    expect(red("host 2001:db8::8a2e:370:7334 up")).toBe("host [REDACTED:pii.ip] up");
    expect(red("fe80::1%eth0")).toBe("[REDACTED:pii.ip]");
    expect(red("2001:0db8:85a3:0000:0000:8a2e:0370:7334")).toBe("[REDACTED:pii.ip]");
    expect(red("::ffff:192.0.2.128")).toBe("[REDACTED:pii.ip]");
    expect(red("[2001:db8::1]:443")).toBe("[[REDACTED:pii.ip]]:443");
  });
  it("treats a bare dotted quad as an address, but not versions (documented choice)", () => {
    expect(red("1.2.3.4")).toBe("[REDACTED:pii.ip]");
    unchanged(["v1.2.3.4", "version 1.2.3.4", "release: 1.2.3.4", "1.2.3.4.5", "256.1.1.1", "01.02.03.04"]);
  });
  it("leaves times, MACs, loopback and code", () => {
    unchanged(["10:30:00", "00:1A:2B:3C:4D:5E", "::1", "std::vector", "dead::beef", "a:b"]);
  });
  it("is opt-in, not part of pii.email or secrets", () => {
    expect(red("192.168.1.10", ["pii.email"])).toBe("192.168.1.10");
    expect(redactText("192.168.1.10").value).toBe("192.168.1.10");
    expect(red("192.168.1.10", ["pii.ip"])).toBe("[REDACTED:pii.ip]");
  });
});

describe("negative corpus", () => {
  it("keeps identifiers, hashes, dates and prose with every kind on", () => {
    const text = [
      "Ticket 123e4567-e89b-12d3-a456-426614174000 was fixed in commit 3f786850e387550fdab836ed7e6dc881de23001b.",
      "Order ORD-2024-000123 (ref 4111111111111112) shipped 2024-01-15T10:30:00.000Z, total 1,234.56 EUR.",
      "The token you asked about is valid; rotate the token monthly. Bearer authentication is enabled.",
      "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, build 20240115.3, PR #4521.",
      "Release v2.10.3 on node 20.19.1; see https://example.com/docs?page=2&sort=asc.",
    ].join("\n");
    const r = redactText(text, pii);
    expect(r.value).toBe(text);
    expect(r.count).toBe(0);
    expect(r.found).toEqual([]);
  });
});
