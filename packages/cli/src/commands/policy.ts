import type { Command } from "commander";
import { clientFrom, type GlobalOptions } from "../context.js";
import { printJson } from "../output.js";
import { renderSuggestions } from "./approvals-output.js";

/** `tollgate policy suggest`: relax the policy with evidence from the approval record. */
export function policyCommands(program: Command, globals: () => GlobalOptions): void {
  const policy = program.command("policy").description("policy, relaxed with evidence");
  policy
    .command("suggest")
    .description(
      "per action that needed approval: decisions, approvers, waits, and an allow rule where the record supports one",
    )
    .requiredOption("--workspace <ws>")
    .option("--workflow <name>")
    .option("--min-approvals <n>", "approvals with no denial before relaxing is suggested", "5")
    .action(async (o) => {
      const min = Number(o.minApprovals);
      const s = await clientFrom(globals()).policySuggestions(o.workspace, {
        ...(o.workflow ? { workflow: o.workflow } : {}),
        minApprovals: Number.isInteger(min) && min > 0 ? min : 5,
      });
      globals().json ? printJson(s) : process.stdout.write(`${renderSuggestions(s)}\n`);
    });
}
