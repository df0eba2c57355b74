import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { TollgateError } from "@tollgate/core";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";

/**
 * Outbound address checks (THREATS #4). Every address Tollgate connects to for a tenant (connector
 * URLs and MCP servers, OAuth discovery, token and revocation endpoints, model providers, alert and
 * approval-notification webhooks, audit sinks) is checked when the connection is made,
 * on the address actually dialled, so a name that resolves (or re-resolves, DNS rebinding) to an
 * internal address is refused too.
 *
 * `none` refuses loopback, private, link-local, metadata and other special ranges; `loopback`
 * (the default: a single-box install and the demo reach their systems on 127.0.0.1) also allows
 * 127.0.0.0/8 and ::1; `private` also allows RFC 1918, unique-local and CGNAT ranges (on-premises
 * systems); `all` turns the check off. Link-local and cloud metadata addresses are refused by every
 * setting except `all`.
 */
export type PrivateNetworks = "none" | "loopback" | "private" | "all";
export const privateNetworkSettings: readonly PrivateNetworks[] = ["none", "loopback", "private", "all"];
export const defaultPrivateNetworks: PrivateNetworks = "loopback";

export function parsePrivateNetworks(value: string | undefined, source: string): PrivateNetworks {
  if (value === undefined || value === "") return defaultPrivateNetworks;
  if ((privateNetworkSettings as readonly string[]).includes(value)) return value as PrivateNetworks;
  throw new Error(`${source} must be one of ${privateNetworkSettings.join(", ")} (got ${value})`);
}

const ranges = (list: [string, number, "ipv4" | "ipv6"][]) => {
  const b = new BlockList();
  for (const [net, prefix, type] of list) b.addSubnet(net, prefix, type);
  return b;
};
const loopback = ranges([
  ["127.0.0.0", 8, "ipv4"],
  ["::1", 128, "ipv6"],
]);
const privateRanges = ranges([
  ["10.0.0.0", 8, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["fc00::", 7, "ipv6"],
]);
/** Link-local (where cloud metadata services live), unspecified, multicast, reserved, and the v6 forms. */
const alwaysInternal = ranges([
  ["0.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["224.0.0.0", 4, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["::", 128, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["ff00::", 8, "ipv6"],
  ["fd00:ec2::", 32, "ipv6"],
  ["64:ff9b::", 96, "ipv6"],
]);

/** Why an address is refused under a setting, or undefined when it may be dialled. */
export function refusalOf(address: string, setting: PrivateNetworks): string | undefined {
  if (setting === "all") return undefined;
  const ip = address.replace(/^\[|\]$/g, "");
  const family = isIP(ip);
  if (family === 0) return undefined;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (alwaysInternal.check(ip, type)) return `${ip} is a link-local, metadata or reserved address`;
  if (loopback.check(ip, type)) return setting === "none" ? `${ip} is a loopback address` : undefined;
  if (privateRanges.check(ip, type)) return setting === "private" ? undefined : `${ip} is in a private network range`;
  return undefined;
}

export class OutboundRefusedError extends Error {
  readonly code = "EOUTBOUND_REFUSED";
  constructor(host: string, why: string) {
    super(
      `Tollgate refuses to connect to ${host}: ${why} (the operator can allow it with TOLLGATE_ALLOW_PRIVATE_NETWORKS)`,
    );
    this.name = "OutboundRefusedError";
  }
}

/** The DNS lookup used for outbound connections: every resolved address must pass. */
function guardedLookup(setting: PrivateNetworks) {
  return (hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err);
      for (const a of addresses) {
        const why = refusalOf(a.address, setting);
        if (why) return callback(new OutboundRefusedError(hostname, why));
      }
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, addresses);
      const first = addresses[0];
      return callback(null, first?.address, first?.family);
    });
  };
}

/** An undici agent whose connections pass the address check (literal IPs and resolved names). */
export function guardedAgent(setting: PrivateNetworks, opts: Agent.Options = {}): Agent {
  if (setting === "all") return new Agent(opts);
  const connect = buildConnector({ lookup: guardedLookup(setting) as never });
  return new Agent({
    ...opts,
    connect(options, callback) {
      const why = refusalOf(options.hostname, setting);
      if (why) return callback(new OutboundRefusedError(options.hostname, why), null);
      return connect(options, callback);
    },
  });
}

/**
 * The process's outbound checks under one setting: the guarded agent of OAuth endpoints, audit
 * sinks and approval notifications; a guarded fetch (OAuth, MCP servers); the socket options of
 * raw connections (syslog); and, for OAuth endpoints, a URL check (https only, except on loopback:
 * tests and the demo) so a bad URL is refused with a clear error when it is configured, not on
 * first use.
 */
export class Outbound {
  readonly agent: Agent;
  /** fetch through the guarded agent (for oauth4webapi's customFetch) */
  readonly fetch: typeof fetch;

  constructor(readonly setting: PrivateNetworks) {
    this.agent = guardedAgent(setting, { keepAliveTimeout: 10_000, connections: 16 });
    this.fetch = this.fetchVia(this.agent);
  }

  /**
   * `net.connect`/`tls.connect` options for a raw connection to `host`: its resolved addresses
   * are checked as they are dialled. Throws OutboundRefusedError for a literal address refused.
   */
  socketOptions(host: string): { lookup?: LookupFunction } {
    if (this.setting === "all") return {};
    const why = refusalOf(host, this.setting);
    if (why) throw new OutboundRefusedError(host, why);
    return { lookup: guardedLookup(this.setting) as unknown as LookupFunction };
  }

  /** Refuses a URL that is not http(s), uses http to anything but loopback, or names an internal address. */
  checkUrl(raw: string, what: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new TollgateError("invalid_request", `${what} is not a valid URL: ${raw}`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new TollgateError("invalid_request", `${what} must be an https URL (got ${url.protocol})`);
    if (url.username || url.password)
      throw new TollgateError("invalid_request", `${what} must not carry credentials in the URL`);
    const why = refusalOf(url.hostname, this.setting);
    if (why) throw new TollgateError("outbound_refused", `${what} ${url.origin} is refused: ${why}`);
    if (url.protocol === "http:" && !isLoopbackHost(url.hostname))
      throw new TollgateError("invalid_request", `${what} must use https (http is only accepted for loopback)`);
    return url;
  }

  /** fetch through a guarded agent: a refused address fails with `outbound_refused`. */
  fetchVia(dispatcher: Agent): typeof fetch {
    return (async (input: string | URL | Request, init?: RequestInit) => {
      try {
        return await undiciFetch(input as never, { ...(init as object), dispatcher } as never);
      } catch (e) {
        const cause = (e as { cause?: unknown }).cause;
        if (cause instanceof OutboundRefusedError) throw new TollgateError("outbound_refused", cause.message);
        throw e;
      }
    }) as unknown as typeof fetch;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export const isLoopbackHost = (host: string): boolean => {
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "localhost") return true;
  const family = isIP(h);
  return family !== 0 && loopback.check(h, family === 4 ? "ipv4" : "ipv6");
};
