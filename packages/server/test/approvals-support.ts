import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { workflowYaml } from "@tollgate/example-support-triage";
import type { Clock } from "../src/index.js";

/** A clock tests move by hand: approval deadlines and delivery backoff follow it, nothing sleeps. */
export class ManualClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** The support-triage workflow under another name, with other approval settings and extra rules. */
export function variantWorkflow(
  systemsUrl: string,
  name: string,
  approvals: string,
  extraRules: string[] = [],
): string {
  let yaml = workflowYaml(systemsUrl)
    .replace("name: support-triage", `name: ${name}`)
    .replace(/^approvals: .*$/m, `approvals: ${approvals}`);
  if (extraRules.length)
    yaml = yaml.replace("  rules:\n", `  rules:\n${extraRules.map((l) => `    ${l}`).join("\n")}\n`);
  return yaml;
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver for webhooks and chat messages; `failNext` makes the next answers 503. */
export async function startReceiver() {
  const received: Received[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (failures > 0) {
        failures--;
        res.writeHead(503).end("down");
        return;
      }
      received.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    failNext(n: number) {
      failures = n;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
