import { z } from "zod";
import { sinkFormats } from "../formats/index.js";

const secretName = z
  .string()
  .regex(
    /^[A-Za-z0-9_.-]{1,128}$/,
    "must name a workspace secret (1-128 letters, digits, dots, dashes or underscores)",
  );
const httpUrl = z
  .string()
  .url("must be a URL")
  .refine((u) => /^https?:\/\//.test(u), "must be an http:// or https:// URL");
const common = {
  format: z.enum(sinkFormats).default("native"),
  /** where a new sink starts: every retained event, or only events from now on */
  from: z.enum(["start", "now"]).default("start"),
};

export const syslogSinkConfig = z
  .object({
    kind: z.literal("syslog"),
    ...common,
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    tls: z.boolean().default(false),
    /** PEM of the CA that signed the collector's certificate (default: the system's CAs) */
    ca: z.string().startsWith("-----BEGIN", "must be a PEM certificate").max(65_536).optional(),
    /** HOSTNAME in the syslog header (default: this machine's host name) */
    hostname: z.string().min(1).max(255).optional(),
    batchSize: z.number().int().min(1).max(5_000).default(500),
  })
  .strict()
  .refine((c) => c.tls || c.ca === undefined, { message: "ca is only used with tls: true", path: ["ca"] });

export const hecSinkConfig = z
  .object({
    kind: z.literal("hec"),
    ...common,
    /** e.g. https://splunk.example.com:8088/services/collector/event */
    url: httpUrl,
    /** the workspace secret holding the HEC token */
    tokenSecret: secretName,
    batchSize: z.number().int().min(1).max(5_000).default(100),
    index: z.string().min(1).max(200).optional(),
    sourcetype: z.string().min(1).max(200).optional(),
  })
  .strict();

export const webhookSinkConfig = z
  .object({
    kind: z.literal("webhook"),
    ...common,
    url: httpUrl,
    /** the workspace secret used as the HMAC-SHA256 key */
    secretRef: secretName,
    batchSize: z.number().int().min(1).max(5_000).default(100),
  })
  .strict();

// discriminated by kind, so an error names the field of the kind given, not of all three
export const sinkConfig = z.discriminatedUnion("kind", [syslogSinkConfig, hecSinkConfig, webhookSinkConfig]);
export const sinkKinds = ["syslog", "hec", "webhook"] as const;
export type SinkConfig = z.infer<typeof sinkConfig>;
export type SyslogSinkConfig = z.infer<typeof syslogSinkConfig>;
export type HecSinkConfig = z.infer<typeof hecSinkConfig>;
export type WebhookSinkConfig = z.infer<typeof webhookSinkConfig>;

export const sinkName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be 1-63 lowercase letters, digits or dashes");
