// A policy version: one compiled contract with one zone's validated data, identified by a hash
// of both. Callers that must decide several things under one version (an exchange over several
// resources) hold the version object and evaluate on it directly.
import { sha256Hex } from '../util/sha256.js'
import { canonicalJson } from '../util/canonical-json.js'
import type { PolicyBundle } from './bundle.js'
import type { Entrypoint } from './contract.js'
import { validatePolicyData, type PolicyData } from './data.js'
import { PolicyDataError } from './errors.js'
import { evaluationFailed, parseResultSet, type PolicyDecision } from './decision.js'
import { PolicyInstance, type MemoryLimits } from './instance.js'

/** Overlays a zone's documents on the bundle's defaults and validates the result. */
export function zonePolicyData(bundle: PolicyBundle, zoneData: unknown): PolicyData {
  if (typeof zoneData !== 'object' || zoneData === null || Array.isArray(zoneData)) {
    throw new PolicyDataError('(root)', '', 'expected an object of data documents')
  }
  return validatePolicyData({ ...bundle.defaults, ...zoneData })
}

export function policyVersionId(bundle: PolicyBundle, data: PolicyData): string {
  return sha256Hex(`${bundle.wasmSha256}\n${canonicalJson(data)}`)
}

export class PolicyVersion {
  /** sha256 over the wasm's hash and the canonical data: equal content, equal id. */
  readonly id: string
  readonly data: PolicyData
  readonly #instance: PolicyInstance

  /** Instantiates `data`, which validatePolicyData has already checked. */
  constructor(bundle: PolicyBundle, data: PolicyData, memory?: MemoryLimits) {
    this.id = policyVersionId(bundle, data)
    this.data = data
    this.#instance = new PolicyInstance(bundle.module, data, memory)
  }

  /** Never throws: an engine failure or malformed result is a deny with policy_eval_failed. */
  evaluate(entrypoint: Entrypoint, input: unknown): PolicyDecision {
    try {
      return parseResultSet(this.#instance.evaluate(entrypoint, input), this.id)
    } catch (error) {
      return { ...evaluationFailed(this.id), detail: (error as Error).message }
    }
  }
}
