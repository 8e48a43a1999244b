// The policy engine of a process: the active policy version of each zone. Activation builds the
// new version completely (validated data, instantiated wasm) before it replaces the old one in a
// single assignment, so an evaluation sees either version whole, and a caller holding the old
// version keeps evaluating on it undisturbed.
import type { PolicyBundle } from './bundle.js'
import type { Entrypoint } from './contract.js'
import { evaluationFailed, type PolicyDecision } from './decision.js'
import type { MemoryLimits } from './instance.js'
import { PolicyVersion, policyVersionId, zonePolicyData } from './version.js'

export interface PolicyEngineOptions {
  /** The compiled contract zones use unless they activate with their own. */
  bundle: PolicyBundle
  memory?: MemoryLimits
}

export class PolicyEngine {
  readonly #bundle: PolicyBundle
  readonly #memory: MemoryLimits | undefined
  readonly #active = new Map<string, PolicyVersion>()

  constructor(options: PolicyEngineOptions) {
    this.#bundle = options.bundle
    this.#memory = options.memory
  }

  /**
   * Makes `data` (validated; throws PolicyDataError naming the document and field) the active
   * policy of `zoneId`. Zones whose content is identical share one instance.
   */
  activate(zoneId: string, data: unknown, bundle: PolicyBundle = this.#bundle): PolicyVersion {
    const validated = zonePolicyData(bundle, data)
    const id = policyVersionId(bundle, validated)
    const shared = [...this.#active.values()].find((v) => v.id === id)
    const version = shared ?? new PolicyVersion(bundle, validated, this.#memory)
    this.#active.set(zoneId, version)
    return version
  }

  deactivate(zoneId: string): void {
    this.#active.delete(zoneId)
  }

  /** The active version of a zone, for callers that need several decisions under one version. */
  version(zoneId: string): PolicyVersion | undefined {
    return this.#active.get(zoneId)
  }

  /** A zone with no active policy is denied like any engine failure. */
  evaluate(zoneId: string, entrypoint: Entrypoint, input: unknown): PolicyDecision {
    const version = this.#active.get(zoneId)
    if (!version) return { ...evaluationFailed(), detail: `no policy is active for zone ${zoneId}` }
    return version.evaluate(entrypoint, input)
  }
}
