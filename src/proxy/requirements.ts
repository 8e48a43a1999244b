// A tool group's verifier requirements (contract §3.3) judged on a mandate already verified: the
// agent mandate before anything is minted for it, so a caller that can never pass them neither
// sees the group's tools nor gets a mandate minted in vain. The checks are the verifier's own.
import type { ToolGroup } from '../config/index.js'
import { MandateError, checkRequirements, type VerifiedMandate } from '../mandate/index.js'

/** The verifier's code for the first requirement the mandate fails, or undefined. */
export function groupRequirementFailure(m: VerifiedMandate, g: Pick<ToolGroup, 'requireSession' | 'requireDelegation' | 'requireChainContains' | 'maxHopCount'>): string | undefined {
  try {
    checkRequirements(m, { requireSession: g.requireSession, requireDelegation: g.requireDelegation, ...(g.maxHopCount !== undefined && { maxHopCount: g.maxHopCount }), ...(g.requireChainContains && { requireChainContains: g.requireChainContains }) })
    return undefined
  } catch (error) {
    if (error instanceof MandateError) return error.wireCode
    throw error
  }
}
