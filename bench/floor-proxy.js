// The floor under any Node gateway on this machine: a process that takes the governed call's
// request (POST /v1/runs/{run}/tool-calls with a JSON body), sends the same upstream request the
// governed call sends (GET /tracker/issues with a bearer token, over a pooled keep-alive
// connection) and answers its JSON, with no governance and no store. What it adds to the direct
// call is the cost of the extra process, its two HTTP hops and Node's HTTP stack, which no
// gateway written in Node removes; the rest of the governed call's added time is Tollgate's.
//
// Given a database file, it is the durable floor: the least a gateway that keeps a fail-closed
// record can do. Before forwarding it commits an intent row, after the answer an outcome, each in
// a SQLite transaction of its own with the store's settings (WAL, synchronous=NORMAL), one table
// and its primary key: no budget, no audit chain, no index. What that adds beyond the floor is
// what two durable commits cost a sequential call on this machine, whatever else a gateway does.
// Usage: node bench/floor-proxy.js <systems url> <tracker token> [<database file>];
// prints "listening on <url>".
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { Pool } from "undici";

const [systemsUrl, token, databaseFile] = process.argv.slice(2);
const upstream = new Pool(systemsUrl, { connections: 64 });

/** The record of a durable floor: intent before the upstream is called, outcome after. */
function durableRecord(file) {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("temp_store = MEMORY");
  db.exec(
    "create table if not exists calls (id text primary key, args text not null, status text not null, result text, created_at text not null)",
  );
  const insert = db.prepare("insert into calls (id, args, status, created_at) values (?, ?, 'executing', ?)");
  const finish = db.prepare("update calls set status = ?, result = ? where id = ?");
  // better-sqlite3's transaction(): BEGIN, the statement, COMMIT; each COMMIT writes the log
  const intent = db.transaction((id, args) => insert.run(id, args, new Date().toISOString()));
  const outcome = db.transaction((id, status, result) => finish.run(status, result, id));
  return { intent, outcome };
}

const record = databaseFile ? durableRecord(databaseFile) : undefined;

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const id = randomUUID();
    try {
      const text = Buffer.concat(chunks).toString("utf8");
      const { args } = JSON.parse(text);
      record?.intent(id, text);
      const r = await upstream.request({
        method: "GET",
        path: `/tracker/issues?q=${encodeURIComponent(args.q)}`,
        headers: { authorization: `Bearer ${token}` },
      });
      const result = await r.body.json();
      const body = JSON.stringify({ status: "succeeded", result });
      record?.outcome(id, "succeeded", body);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    } catch (e) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(String(e));
    }
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
