export {
  type ActionManifest,
  type ConnectorManifest,
  type Manifest,
  type ManifestInput,
  manifestSchema,
  type RuleManifest,
} from "./schema.js";
export {
  loadManifest,
  manifestVersion,
  type ParseManifestResult,
  parseManifest,
  validateManifestData,
} from "./parse.js";
export { manifestJsonSchema } from "./json-schema.js";
export {
  type CompiledAction,
  type CompiledWorkflow,
  type ConnectorSpec,
  compileWorkflow,
  type HttpAuth,
  type HttpMethod,
  type HttpSpec,
  type RetrySpec,
  resolveAction,
} from "./compile.js";
export { type ArgsValidator, pathParams, schemaValidator } from "./args.js";
export { formatPath } from "./path.js";
