// The decision the engine hands back: parsed strictly out of the wasm result set, so that
// anything but exactly one well-formed result becomes a deny instead of an accident.
import { POLICY_EVAL_FAILED, type DenyReason } from './contract.js'
import { PolicyEvaluationError } from './errors.js'
import { isJsonObject } from '../util/json-object.js'

export type Diagnostic = Record<string, unknown>

/** One approval tier declaration matched by an allowed mint, defaults made explicit. */
export interface ApprovalDeclaration {
  tier: string
  approver: 'operator' | 'subject' | 'any'
  privacy: 'identified' | 'pseudonymous' | 'anonymous'
  ttlSeconds?: number
}

export interface PolicyDecision {
  decision: 'allow' | 'deny'
  /** `complete`, or `policy_eval_failed` when the engine could not decide. */
  evaluationStatus: 'complete' | typeof POLICY_EVAL_FAILED
  /** The deny reason (first diagnostic's `reason`); absent on allow. */
  reason?: DenyReason
  determiningPolicies: { policy: string }[]
  /** As the policy returned them, for audit. */
  diagnostics: Diagnostic[]
  /** Approval tiers an allowed mint must pass before a mandate is issued. */
  stepUp?: ApprovalDeclaration[]
  /** Content hash of the policy version that decided; absent when none was active. */
  policyVersion?: string
  /** Why the engine could not decide: for logs and audit only, never for the caller. */
  detail?: string
}

/** The deny every engine failure turns into. */
export function evaluationFailed(policyVersion?: string): PolicyDecision {
  return {
    decision: 'deny',
    evaluationStatus: POLICY_EVAL_FAILED,
    reason: POLICY_EVAL_FAILED,
    determiningPolicies: [],
    diagnostics: [{ reason: POLICY_EVAL_FAILED }],
    ...(policyVersion ? { policyVersion } : {}),
  }
}

const RESULT_KEYS = ['decision', 'determining_policies', 'diagnostics', 'evaluation_status']
const APPROVERS = new Set(['operator', 'subject', 'any'])
const PRIVACY = new Set(['identified', 'pseudonymous', 'anonymous'])

function malformed(what: string): never {
  throw new PolicyEvaluationError(`policy result is malformed: ${what}`)
}

/** Reads the opa-wasm result set: `[{result}]` exactly; `[]` (undefined) and the rest are errors. */
export function parseResultSet(resultSet: unknown, policyVersion: string): PolicyDecision {
  if (!Array.isArray(resultSet)) malformed('not a result set')
  if (resultSet.length === 0) malformed('empty result set (entrypoint undefined for this input)')
  if (resultSet.length > 1) malformed(`${resultSet.length} results, expected one`)
  const entry: unknown = resultSet[0]
  if (!isJsonObject(entry) || !('result' in entry)) malformed('result set entry without a result')
  return parseDecision(entry.result, policyVersion)
}

export function parseDecision(result: unknown, policyVersion: string): PolicyDecision {
  if (!isJsonObject(result)) malformed('result is not an object')
  const keys = Object.keys(result).sort()
  if (keys.join() !== RESULT_KEYS.join()) malformed(`result fields are ${keys.join(', ')}`)
  const { decision, evaluation_status, determining_policies, diagnostics } = result
  if (decision !== 'allow' && decision !== 'deny') malformed('decision is neither allow nor deny')
  if (evaluation_status !== 'complete') malformed('evaluation_status is not complete')
  if (!Array.isArray(determining_policies) || !determining_policies.every((p) => isJsonObject(p) && typeof p.policy === 'string' && p.policy !== '')) {
    malformed('determining_policies is not a list of {policy}')
  }
  if (!Array.isArray(diagnostics) || !diagnostics.every(isJsonObject)) malformed('diagnostics is not a list of objects')
  const parsed: PolicyDecision = {
    decision,
    evaluationStatus: 'complete',
    determiningPolicies: determining_policies.map((p) => ({ policy: p.policy as string })),
    diagnostics,
    policyVersion,
  }
  if (decision === 'deny') {
    const reason = diagnostics.find((d) => 'reason' in d)?.reason
    if (typeof reason !== 'string' || reason === '') malformed('a deny without a reason')
    parsed.reason = reason
    return parsed
  }
  const stepUp = parseStepUp(diagnostics)
  if (stepUp) parsed.stepUp = stepUp
  return parsed
}

function parseStepUp(diagnostics: Diagnostic[]): ApprovalDeclaration[] | undefined {
  const found = diagnostics.filter((d) => 'step_up_required' in d)
  if (found.length === 0) return undefined
  if (found.length > 1) malformed('more than one step_up_required')
  const stepUp = found[0]!.step_up_required
  if (!isJsonObject(stepUp) || stepUp.type !== 'human_approval' || !Array.isArray(stepUp.tiers) || stepUp.tiers.length === 0) {
    malformed('step_up_required is not a human_approval with tiers')
  }
  return stepUp.tiers.map((t: unknown): ApprovalDeclaration => {
    if (!isJsonObject(t) || typeof t.tier !== 'string' || t.tier === '') malformed('step-up tier without a name')
    if (typeof t.approver !== 'string' || !APPROVERS.has(t.approver)) malformed('step-up tier with an unknown approver')
    if (typeof t.privacy !== 'string' || !PRIVACY.has(t.privacy)) malformed('step-up tier with an unknown privacy mode')
    const declaration: ApprovalDeclaration = {
      tier: t.tier,
      approver: t.approver as ApprovalDeclaration['approver'],
      privacy: t.privacy as ApprovalDeclaration['privacy'],
    }
    if (t.ttl_seconds !== undefined) {
      if (!Number.isInteger(t.ttl_seconds) || (t.ttl_seconds as number) <= 0) malformed('step-up tier with a bad ttl_seconds')
      declaration.ttlSeconds = t.ttl_seconds as number
    }
    return declaration
  })
}
