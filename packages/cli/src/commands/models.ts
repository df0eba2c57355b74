import { readFileSync, writeFileSync } from "node:fs";
import type { UsageGroupBy } from "@tollgate/sdk";
import type { Command } from "commander";
import pc from "picocolors";
import { CliError, clientFrom, type GlobalOptions } from "../context.js";
import { printJson, table } from "../output.js";

const usd = (n: number) => `$${n.toFixed(n < 1 ? 6 : 2)}`;
const when = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").slice(0, 19) : "");

/** Model providers, prices and spend caps; usage; the data-flow register; alerts. */
export function modelCommands(program: Command, globals: () => GlobalOptions): void {
  const client = () => clientFrom(globals());
  const json = () => globals().json === true;

  const providers = program.command("providers").description("model providers of a workspace (the model proxy)");
  providers
    .command("set <name>")
    .requiredOption("--workspace <ws>")
    .requiredOption("--kind <kind>", "openai | anthropic")
    .requiredOption("--base-url <url>", "e.g. https://api.openai.com/v1 or https://api.anthropic.com")
    .requiredOption("--api-key-secret <secret>", "the workspace secret holding the provider's API key")
    .requiredOption("--models <list>", "comma-separated models this provider serves")
    .action(async (name: string, o) => {
      if (o.kind !== "openai" && o.kind !== "anthropic") throw new CliError("--kind must be openai or anthropic");
      const p = await client().putModelProvider(o.workspace, name, {
        kind: o.kind,
        baseUrl: o.baseUrl,
        apiKeySecret: o.apiKeySecret,
        models: String(o.models)
          .split(",")
          .map((m) => m.trim())
          .filter(Boolean),
      });
      json() ? printJson(p) : process.stdout.write(`provider ${p.name} (${p.kind}) serves ${p.models.join(", ")}\n`);
    });
  providers
    .command("list")
    .requiredOption("--workspace <ws>")
    .action(async (o) => {
      const { items } = await client().listModelProviders(o.workspace);
      if (json()) return printJson(items);
      process.stdout.write(
        `${table(
          ["name", "kind", "base URL", "key secret", "models"],
          items.map((p) => [p.name, p.kind, p.baseUrl, p.apiKeySecret, p.models.join(", ")]),
        )}\n`,
      );
    });

  program
    .command("prices")
    .description("model prices (USD per million tokens); --file sets the workspace's own table")
    .requiredOption("--workspace <ws>")
    .option("--file <json>", 'a JSON file {"model": {"inputPerMTok": 0.15, "outputPerMTok": 0.6}, …}')
    .action(async (o) => {
      const prices = o.file
        ? await client().putModelPrices(o.workspace, JSON.parse(readFileSync(o.file, "utf8")))
        : await client().modelPrices(o.workspace);
      if (json()) return printJson(prices);
      process.stdout.write(
        `${table(
          ["model", "input / M tokens", "output / M tokens", "source"],
          Object.entries(prices.effective)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([m, p]) => [
              m,
              usd(p.inputPerMTok),
              usd(p.outputPerMTok),
              m in prices.workspace ? "workspace" : "example",
            ]),
        )}\n`,
      );
    });

  program
    .command("spend-caps")
    .description("the workspace's daily and monthly model spend caps (USD); without options, shows them")
    .requiredOption("--workspace <ws>")
    .option("--daily <usd>", "daily cap, or 'none'")
    .option("--monthly <usd>", "monthly cap, or 'none'")
    .action(async (o) => {
      const parse = (v: string | undefined) => (v === undefined ? undefined : v === "none" ? null : Number(v));
      const daily = parse(o.daily);
      const monthly = parse(o.monthly);
      for (const v of [daily, monthly])
        if (typeof v === "number" && !(v > 0)) throw new CliError("a cap is a positive number of dollars, or none");
      const c = client();
      const caps =
        daily === undefined && monthly === undefined
          ? await c.spendCaps(o.workspace)
          : await c.putSpendCaps(o.workspace, {
              ...(await c.spendCaps(o.workspace)),
              ...(daily !== undefined ? { dailyUsd: daily } : {}),
              ...(monthly !== undefined ? { monthlyUsd: monthly } : {}),
            });
      if (json()) return printJson(caps);
      const show = (v: number | null) => (v === null ? "none" : usd(v));
      process.stdout.write(`daily ${show(caps.dailyUsd)}, monthly ${show(caps.monthlyUsd)}\n`);
    });

  program
    .command("usage")
    .description("calls, tokens, cost, tool calls by class, approvals and blocks over a time range")
    .requiredOption("--workspace <ws>")
    .option("--from <iso>", "start (default: 30 days ago)")
    .option("--to <iso>", "end (default: now)")
    .option("--group-by <key>", "day | workflow | model | agent", "day")
    .action(async (o) => {
      if (!["day", "workflow", "model", "agent"].includes(o.groupBy))
        throw new CliError("--group-by must be day, workflow, model or agent");
      const u = await client().usage(o.workspace, {
        groupBy: o.groupBy as UsageGroupBy,
        ...(o.from ? { from: o.from } : {}),
        ...(o.to ? { to: o.to } : {}),
      });
      if (json()) return printJson(u);
      const row = (key: string, f: (typeof u)["totals"]) => [
        key,
        f.modelCalls,
        f.inputTokens,
        f.outputTokens,
        usd(f.costUsd),
        Object.entries(f.toolCalls.byClass)
          .map(([c, n]) => `${c} ${n}`)
          .join(", "),
        f.toolCalls.blocked,
        f.toolCalls.failed,
        f.approvals.total,
      ];
      process.stdout.write(
        `${pc.dim(`${u.from} → ${u.to}`)}\n${table(
          [
            o.groupBy,
            "model calls",
            "input tokens",
            "output tokens",
            "cost",
            "tool calls",
            "blocked",
            "failed",
            "approvals",
          ],
          [...u.groups.map((g) => row(g.key, g)), row(pc.bold("total"), u.totals)],
        )}\n`,
      );
    });

  program
    .command("data-flows")
    .description("the data-flow register: what each workflow declares it sends to model providers, and what was seen")
    .requiredOption("--workspace <ws>")
    .option("--markdown", "as Markdown, for a DPA")
    .option("--out <file>", "write to a file")
    .action(async (o) => {
      const c = client();
      if (o.markdown) {
        const md = await c.dataFlowsMarkdown(o.workspace);
        if (o.out) writeFileSync(o.out, md);
        else process.stdout.write(md);
        return;
      }
      const r = await c.dataFlows(o.workspace);
      if (o.out) return writeFileSync(o.out, `${JSON.stringify(r, null, 2)}\n`);
      if (json()) return printJson(r);
      process.stdout.write(
        `${table(
          ["workflow", "provider", "declared", "calls", "replaced", "sent", "last seen"],
          r.items.map((i) => [
            i.workflow,
            i.provider,
            i.declared ? `${i.declared.purpose} (${i.declared.sends.join(", ")})` : pc.yellow("not declared"),
            i.observed?.calls ?? 0,
            i.observed?.kindsReplaced.join(", ") ?? "",
            i.observed?.kindsSent.join(", ") ?? "",
            when(i.observed?.lastSeen),
          ]),
        )}\n`,
      );
      for (const i of r.items) for (const w of i.warnings) process.stdout.write(`${pc.yellow("warning")}: ${w}\n`);
    });

  const alerts = program.command("alerts").description("alerts: budgets, spend caps, anomalies");
  alerts
    .command("list", { isDefault: true })
    .requiredOption("--workspace <ws>")
    .option("--open", "only those not acknowledged")
    .option("--kind <kind>")
    .option("--run <id>")
    .action(async (o) => {
      const { items } = await client().listAlerts(o.workspace, {
        ...(o.open ? { acknowledged: false } : {}),
        ...(o.kind ? { kind: o.kind } : {}),
        ...(o.run ? { run: o.run } : {}),
      });
      if (json()) return printJson(items);
      const colour = (s: string) => (s === "critical" ? pc.red(s) : s === "warning" ? pc.yellow(s) : s);
      process.stdout.write(
        `${table(
          ["id", "when", "severity", "kind", "message", "acknowledged"],
          items.map((a) => [a.id, when(a.createdAt), colour(a.severity), a.kind, a.message, when(a.acknowledgedAt)]),
        )}\n`,
      );
    });
  alerts.command("ack <id>").action(async (id: string) => {
    const a = await client().acknowledgeAlert(id);
    json() ? printJson(a) : process.stdout.write(`alert ${a.id} acknowledged\n`);
  });
}
