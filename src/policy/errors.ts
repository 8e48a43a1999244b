// Errors of the policy engine. Loading errors stop a policy version from being activated;
// evaluation errors never escape the engine: they become a deny with reason policy_eval_failed.
import { CaracalMcpError } from '../errors.js'

/** A compiled policy (wasm, manifest) that cannot be used. */
export class PolicyBundleError extends CaracalMcpError {
  readonly code = 'ERR_POLICY_BUNDLE_INVALID'
}

/** A data document that does not have the shape the decision contract needs. */
export class PolicyDataError extends CaracalMcpError {
  readonly code = 'ERR_POLICY_DATA_INVALID'
  override readonly status = 400

  constructor(
    /** The data document at fault, e.g. `approval_tiers`. */
    readonly document: string,
    /** The field inside it, e.g. `[0].approver`; empty when the document itself is wrong. */
    readonly path: string,
    problem: string,
  ) {
    super(`policy data document "${document}" is invalid${path ? ` at ${path}` : ''}: ${problem}`)
  }
}

/** The engine failed, or returned nothing, or returned something that is not a decision. */
export class PolicyEvaluationError extends CaracalMcpError {
  readonly code = 'ERR_POLICY_EVAL_FAILED'
}
