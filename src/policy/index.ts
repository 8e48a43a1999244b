/**
 * @module policy
 * The policy engine: our Rego decision contract compiled to wasm, run with opa-wasm.
 *
 * Must: fail closed. A load error refuses activation; an evaluation error, an empty result or a
 * malformed result is a deny with reason `policy_eval_failed`. Data documents are validated at
 * activation and errors name the document and field.
 * Must not: import express, the store, or MCP and OAuth wire types; do network or database I/O
 * (it reads the compiled artefact from disk at load only).
 */
export { loadPolicyBundle, loadPolicyWasm, defaultManifestPath, type PolicyBundle, type PolicyManifest } from './bundle.js'
export { ENTRYPOINTS, INPUT_SCHEMA_VERSION, LIFECYCLE_SCOPE, DENY_REASONS, POLICY_EVAL_FAILED, type Entrypoint, type DenyReason } from './contract.js'
export { validatePolicyData, emptyPolicyData, DOCUMENT_NAMES, type PolicyData, type DocumentName } from './data.js'
export { type PolicyDecision, type ApprovalDeclaration, type Diagnostic } from './decision.js'
export { PolicyEngine, type PolicyEngineOptions } from './engine.js'
export { PolicyBundleError, PolicyDataError, PolicyEvaluationError } from './errors.js'
export {
  buildExchangeInput,
  buildToolCallInput,
  type ExchangeRequest,
  type ToolCallRequest,
  type PolicyPrincipal,
  type PolicyResource,
  type PolicyDelegationEdge,
} from './input.js'
export { DEFAULT_MEMORY_LIMITS, type MemoryLimits } from './instance.js'
export { PolicyVersion } from './version.js'
