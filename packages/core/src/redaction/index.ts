export type { ConcreteKind, DetectorKind, FoundKind } from "./kinds.js";
export { detectorKinds } from "./kinds.js";
export type { FieldAction } from "./fields.js";
export type { PlaceholderMode } from "./placeholder.js";
export { isSecretKeyName } from "./secrets-generic.js";
export { createRedactor, redactText, redactValue } from "./redactor.js";
export type { RedactionOptions, RedactionResult, Redactor } from "./redactor.js";
