/** The vocabulary of policy (DESIGN §1): what kind of action a call is and what policy decides for it. */

export type ActionClass = "READ" | "WRITE" | "DELETE" | "EXTERNAL_SEND";
export const actionClasses: readonly ActionClass[] = ["READ", "WRITE", "DELETE", "EXTERNAL_SEND"];

export type Effect = "block" | "approve" | "allow";
export const effects: readonly Effect[] = ["block", "approve", "allow"];

/** Strictness order: block beats approve beats allow. */
export const effectRank: Readonly<Record<Effect, number>> = { allow: 0, approve: 1, block: 2 };

/** Absent defaults: reads run, everything else needs a human ("approve every write, then relax"). */
export const implicitDefaults: Readonly<Record<ActionClass, Effect>> = {
  READ: "allow",
  WRITE: "approve",
  DELETE: "approve",
  EXTERNAL_SEND: "approve",
};

export interface DecisionInput {
  tool: { system: string; action: string; class: ActionClass };
  args: Record<string, unknown>;
  run: { agent?: string; actingAs?: string; labels?: Record<string, string> };
  usage: Record<string, number>;
  now: Date;
}

export interface Decision {
  effect: Effect;
  /** names of the rules that applied, in manifest order */
  rules: string[];
  /** one human sentence saying why */
  reason: string;
  /** true when no rule applied and the class default decided */
  defaulted: boolean;
  /** `when` conditions that failed to evaluate (they never loosen the decision) */
  errors?: { rule: string; message: string }[];
  /**
   * effect approve: distinct approvers the applied approve rules or the class default ask for
   * (absent: no rule or class default says; the workflow's `approvals.required` applies)
   */
  approvalsRequired?: number;
}
