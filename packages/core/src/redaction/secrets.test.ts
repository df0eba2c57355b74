import { describe, expect, it } from "vitest";
import { redactText } from "./index.js";

// Credentials are assembled at run time so that secret scanners do not flag this file.
const aws = `AKIA${"IOSFODNN7EXAMPL3"}`;
const awsSecret = `wJalrXUtnFEMI/K7MDENG/${"bPxRfiCYEXAMPLEKEY"}`;
const ghp = `ghp_${"A1b2C3".repeat(6)}`;
const pat = `github_pat_${"11ABCDEFG0abcdefghijkl"}_${"Zy9".repeat(20).slice(0, 59)}`;
const xoxb = `xoxb-${"123456789012-1234567890123-"}${"AbCdEfGhIjKlMnOpQrStUvWx"}`;
const webhook = `https://hooks.slack.com/services/T00000000/B00000000/${"X".repeat(24)}`;
const sk = `sk-${"A1b2C3d4E5f6".repeat(4)}`;
const skProj = `sk-proj-${"Ab1_Cd2-".repeat(10)}Z`;
const jwt = [
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
  "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0",
  "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
].join(".");
const pem = [
  "-----BEGIN RSA PRIVATE KEY-----",
  "MIIEowIBAAKCAQEAx4",
  "Zm9vYmFyYmF6",
  "-----END RSA PRIVATE KEY-----",
].join("\n");

const red = (s: string) => redactText(s).value;
const found = (s: string) => redactText(s).found;

describe("secrets.aws", () => {
  it("replaces access key ids and secret keys next to their name", () => {
    expect(red(`key ${aws} here`)).toBe("key [REDACTED:secrets.aws] here");
    expect(red(`ASIA${"Y34FZKBOKMUTVV7A"}`)).toBe("[REDACTED:secrets.aws]");
    expect(red(`aws_secret_access_key = ${awsSecret}`)).toBe("aws_secret_access_key = [REDACTED:secrets.aws]");
    expect(red(`{"SecretAccessKey": "${awsSecret}"}`)).toBe('{"SecretAccessKey": "[REDACTED:secrets.aws]"}');
    expect(found(`x ${aws}`)).toEqual(["secrets.aws"]);
  });
  it("leaves look-alikes", () => {
    for (const s of ["AKIA is a prefix", `XAKIA${"IOSFODNN7EXAMPL3"}`, "AKIAshort1234", `${aws}X`]) {
      expect(red(s)).toBe(s);
    }
  });
});

describe("secrets.github", () => {
  it("replaces classic and fine-grained tokens", () => {
    for (const p of ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]) {
      expect(red(`token ${p}${"A1b2C3".repeat(6)} end`)).toBe("token [REDACTED:secrets.github] end");
    }
    expect(red(pat)).toBe("[REDACTED:secrets.github]");
  });
  it("leaves short or embedded look-alikes", () => {
    for (const s of ["ghp_short", "see ghp_ prefix docs", `xghp_${"A1b2C3".repeat(6)}`, "my_github_pat_var"]) {
      expect(red(s)).toBe(s);
    }
  });
});

describe("secrets.slack", () => {
  it("replaces tokens and webhook URLs", () => {
    expect(red(`slack ${xoxb} ok`)).toBe("slack [REDACTED:secrets.slack] ok");
    expect(red(`xoxp-${"1234567890-abcdefGHIJ"}`)).toBe("[REDACTED:secrets.slack]");
    expect(red(`xapp-1-${"A0123456789-1234567890-abcdef"}`)).toBe("[REDACTED:secrets.slack]");
    expect(red(`post to ${webhook} now`)).toBe("post to [REDACTED:secrets.slack] now");
  });
  it("leaves look-alikes", () => {
    for (const s of ["xoxb-", "the xoxb-prefix-is-used", "https://hooks.slack.com/", "https://slack.com/services/T0"]) {
      expect(red(s)).toBe(s);
    }
  });
});

describe("secrets.openai", () => {
  it("replaces legacy and project keys", () => {
    expect(red(`key=${sk}`)).toContain("[REDACTED:");
    expect(red(`use ${sk} please`)).toBe("use [REDACTED:secrets.openai] please");
    expect(red(`use ${skProj}`)).toBe("use [REDACTED:secrets.openai]");
  });
  it("leaves hyphenated prose and short values", () => {
    for (const s of [
      "sk-learn-compatible-estimators-are-great",
      "sk-1234",
      "task-1234567890abcdefghijkLMN",
      "desk-lamp",
    ]) {
      expect(red(s)).toBe(s);
    }
  });
});

describe("secrets.private_key", () => {
  it("replaces the whole PEM block, also JSON-escaped or truncated", () => {
    expect(red(`pem ${pem} after`)).toBe("pem [REDACTED:secrets.private_key] after");
    expect(red(JSON.stringify({ key: pem }))).toBe('{"key":"[REDACTED:secrets.private_key]"}');
    expect(red(`-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk`)).toBe("[REDACTED:secrets.private_key]");
    expect(red(`-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc\n-----END PGP PRIVATE KEY BLOCK-----`)).toBe(
      "[REDACTED:secrets.private_key]",
    );
  });
  it("leaves public material", () => {
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    const pub = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----";
    expect(red(cert)).toBe(cert);
    expect(red(pub)).toBe(pub);
  });
});

describe("secrets.jwt", () => {
  it("replaces three-segment tokens, also with an empty signature", () => {
    expect(red(`jwt ${jwt}.`)).toBe("jwt [REDACTED:secrets.jwt].");
    expect(red(`t=${jwt.split(".").slice(0, 2).join(".")}.`)).toContain("[REDACTED:secrets.jwt]");
  });
  it("leaves base64 without the JWT shape", () => {
    for (const s of ["eyJhbGciOiJIUzI1NiJ9", "eyJ.eyJ.x", "keyJar.something.else"]) expect(red(s)).toBe(s);
  });
});

describe("secrets.bearer", () => {
  it("replaces Bearer tokens and Authorization credentials, keeping the scheme", () => {
    expect(red("Authorization: Bearer abc123DEF456ghi789\nnext")).toBe(
      "Authorization: Bearer [REDACTED:secrets.bearer]\nnext",
    );
    expect(red("Authorization: Basic dXNlcjpwYXNzd29yZA==")).toBe("Authorization: Basic [REDACTED:secrets.bearer]");
    expect(red('{"authorization":"token abcdef123456"}')).toBe('{"authorization":"token [REDACTED:secrets.bearer]"}');
    expect(red('curl -H \'Authorization: Digest username="bob", response="6629fae49393a053"\'')).toBe(
      "curl -H 'Authorization: Digest [REDACTED:secrets.bearer]'",
    );
    expect(red("sent bearer abc.def-123_ghi to the API")).toBe("sent bearer [REDACTED:secrets.bearer] to the API");
    expect(red("header Basic dXNlcjpwYXNzd29yZA==")).toBe("header Basic [REDACTED:secrets.bearer]");
  });
  it("leaves prose about the schemes", () => {
    for (const s of [
      "We use Bearer authentication and Basic authentication.",
      "Send the Authorization: header",
      "Bearer <token>",
      "Basic information retrieval",
      "authorization: [REDACTED:secrets.bearer]",
    ]) {
      expect(red(s)).toBe(s);
    }
  });
});

describe("secrets.connection_string", () => {
  it("replaces only the password", () => {
    expect(red("postgres://app:s3cr3tPass@db.internal:5432/app")).toBe(
      "postgres://app:[REDACTED:secrets.connection_string]@db.internal:5432/app",
    );
    expect(red("mongodb+srv://admin:hunter2@cluster0.example.net/db")).toBe(
      "mongodb+srv://admin:[REDACTED:secrets.connection_string]@cluster0.example.net/db",
    );
    expect(red("redis://:p4ss@cache:6379")).toBe("redis://:[REDACTED:secrets.connection_string]@cache:6379");
  });
  it("leaves URLs without a password", () => {
    for (const s of [
      "https://example.com:443/users/@alice",
      "ssh://git@github.com/org/repo",
      "postgres://db.internal:5432/app",
      `postgres://app:\${DB_PASSWORD}@db/app`,
    ]) {
      expect(red(s)).toBe(s);
    }
  });
});

describe("secrets.generic", () => {
  it("replaces values of secret-like names in key=value, YAML and JSON shapes", () => {
    expect(red("password=Hunter2Hunter2 next")).toBe("password=[REDACTED:secrets.generic] next");
    expect(red('{"api_key": "9f8e7d6c5b4a3210"}')).toBe('{"api_key": "[REDACTED:secrets.generic]"}');
    expect(red("DB_PASSWORD=correct-horse-battery")).toBe("DB_PASSWORD=[REDACTED:secrets.generic]");
    expect(red("client_secret: 'Zx81-kk2_LmP0q'")).toBe("client_secret: '[REDACTED:secrets.generic]'");
    expect(red("GET /cb?access_token=aB3dE5fG7h&state=1")).toBe(
      "GET /cb?access_token=[REDACTED:secrets.generic]&state=1",
    );
    expect(red('{\\"token\\":\\"q9W8e7R6t5Y4\\"}')).toBe('{\\"token\\":\\"[REDACTED:secrets.generic]\\"}');
    expect(red('password: "correct horse battery staple"')).toBe('password: "[REDACTED:secrets.generic]"');
  });
  it("leaves prose, placeholders, low-entropy and unrelated names", () => {
    for (const s of [
      "the token is valid",
      "Use a token: it expires.",
      "token: expired",
      "max_tokens: 40000000",
      "token_type: Bearer",
      "password_policy=strict-and-long",
      "password: ********",
      `api_key: \${OPENAI_API_KEY}`,
      "secret: undefined",
      "token: aaaaaaaaaaaa",
      "PWD=/home/user/project",
    ]) {
      expect(red(s)).toBe(s);
    }
  });
});

describe("secrets are always on", () => {
  it("applies secrets whatever the selection", () => {
    expect(redactText(`k ${ghp}`, { kinds: ["pii.email"] }).value).toBe("k [REDACTED:secrets.github]");
    expect(redactText(`k ${ghp}`, { kinds: [] }).value).toBe("k [REDACTED:secrets.github]");
  });
});
