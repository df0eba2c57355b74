export {
  type CallContext,
  callContextFields,
  decideCall,
  hasRedactionPlaceholder,
  type Outcome,
  type Redecision,
} from "./recorded-call.js";
export {
  type PolicyTestFile,
  type PolicyTestReport,
  type PolicyTestResult,
  parsePolicyTests,
  runPolicyTests,
} from "./policy-tests.js";
export { type RecordedCall, type RecordedRun, type ReplayChange, type ReplayReport, replayRuns } from "./replay.js";
export {
  matchesSubset,
  pickScriptedResponse,
  type ScriptedOutcome,
  type ScriptedResponses,
  scriptedResponsesSchema,
} from "./simulation.js";
export {
  baselineOf,
  checkEvalCase,
  type EvalBaseline,
  type EvalCase,
  type EvalCaseResult,
  type EvalCheck,
  type EvalReport,
  type EvalSuite,
  evalReport,
  type ObservedRun,
  parseEvalSuite,
} from "./evals.js";
export { promptVersion } from "./prompt-version.js";
