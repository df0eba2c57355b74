import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Rsyslog {
  tcpPort: number;
  tlsPort: number;
  /** PEM of the CA that signed the TLS listener's certificate */
  ca: string;
  /** lines written for messages received on the plain TCP listener */
  tcpLines(): string[];
  /** lines written for messages received on the TLS listener */
  tlsLines(): string[];
  stop(): Promise<void>;
}

export const rsyslogd = "/usr/sbin/rsyslogd";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A CA and a server certificate for 127.0.0.1, made with openssl in `dir`. */
function makeCertificates(dir: string): void {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=tollgate test CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "san.ext",
    "-out",
    "server.pem",
  );
}

/**
 * Debian's rsyslogd in the foreground with a config of our own: one plain TCP and one TLS
 * (gtls) listener on free loopback ports, each writing what it receives to its own file as
 * `MSGID|STRUCTURED-DATA|MSG`.
 */
export async function startRsyslog(): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), "tollgate-rsyslog-"));
  makeCertificates(dir);
  const [tcpPort, tlsPort] = [await freePort(), await freePort()];
  const conf = `
global(
  workDirectory="${dir}"
  maxMessageSize="64k"
  defaultNetstreamDriverCAFile="${dir}/ca.pem"
  defaultNetstreamDriverCertFile="${dir}/server.pem"
  defaultNetstreamDriverKeyFile="${dir}/server.key"
)
module(load="imtcp" maxSessions="100")
template(name="ids" type="string" string="%msgid%|%structured-data%|%msg%\\n")
ruleset(name="tcp") { action(type="omfile" file="${dir}/tcp.log" template="ids") }
ruleset(name="tls") { action(type="omfile" file="${dir}/tls.log" template="ids") }
input(type="imtcp" address="127.0.0.1" port="${tcpPort}" ruleset="tcp")
input(type="imtcp" address="127.0.0.1" port="${tlsPort}" ruleset="tls"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
`;
  writeFileSync(join(dir, "rsyslog.conf"), conf);
  const proc: ChildProcess = spawn(rsyslogd, ["-n", "-f", join(dir, "rsyslog.conf"), "-i", join(dir, "rsyslog.pid")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout?.on("data", (d) => (output += d));
  proc.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));

  const listening = async (port: number) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`rsyslogd exited (${proc.exitCode}): ${output}`);
      const ok = await new Promise<boolean>((r) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => {
          s.destroy();
          r(true);
        });
        s.once("error", () => r(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`rsyslogd did not listen on ${port}: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await listening(tcpPort);
  await listening(tlsPort);

  const lines = (file: string) => {
    const p = join(dir, file);
    return existsSync(p)
      ? readFileSync(p, "utf8")
          .split("\n")
          .filter((l) => l.length > 0)
      : [];
  };
  return {
    tcpPort,
    tlsPort,
    ca: readFileSync(join(dir, "ca.pem"), "utf8"),
    tcpLines: () => lines("tcp.log"),
    tlsLines: () => lines("tls.log"),
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
