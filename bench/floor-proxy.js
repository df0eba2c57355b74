// The floor under any Node gateway on this machine: a process that takes the governed call's
// request (POST /v1/runs/{run}/tool-calls with a JSON body), sends the same upstream request the
// governed call sends (GET /tracker/issues with a bearer token, over a pooled keep-alive
// connection) and answers its JSON, with no governance and no store. What it adds to the direct
// call is the cost of the extra process, its two HTTP hops and Node's HTTP stack, which no
// gateway written in Node removes; the rest of the governed call's added time is Tollgate's.
// Usage: node bench/floor-proxy.js <systems url> <tracker token>; prints "listening on <url>".
import { createServer } from "node:http";
import { Pool } from "undici";

const [systemsUrl, token] = process.argv.slice(2);
const upstream = new Pool(systemsUrl, { connections: 64 });

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    try {
      const { args } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const r = await upstream.request({
        method: "GET",
        path: `/tracker/issues?q=${encodeURIComponent(args.q)}`,
        headers: { authorization: `Bearer ${token}` },
      });
      const result = await r.body.json();
      const body = JSON.stringify({ status: "succeeded", result });
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
