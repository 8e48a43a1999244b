// A tool group's verifier requirements (contract §3.3) judged on a mandate already verified: the
// agent mandate before anything is minted for it, so a caller that can never pass them neither
// sees the group's tools nor gets a mandate minted in vain.
import type { ToolGroup } from '../config/index.js'
import { DEFAULT_MAX_HOP_COUNT, type VerifiedMandate } from '../mandate/index.js'

/** The verifier's code for the first requirement the mandate fails, or undefined. */
export function groupRequirementFailure(m: VerifiedMandate, g: Pick<ToolGroup, 'requireSession' | 'requireDelegation' | 'requireChainContains' | 'maxHopCount'>): string | undefined {
  if (g.requireSession && !m.sessionId) return 'session_required'
  if (g.requireDelegation && !m.delegationId) return 'delegation_required'
  if (m.hopCount > (g.maxHopCount ?? DEFAULT_MAX_HOP_COUNT)) return 'hop_count_exceeded'
  if (g.requireChainContains?.some((app) => !m.delegationChain.some((hop) => hop.applicationId === app))) return 'chain_mismatch'
  return undefined
}
