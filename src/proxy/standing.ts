// Whether a mandate still stands at the proxy. Caracal's verifier checks the mandate's own
// anchors and the zone's delegation-graph epoch; the proxy cannot use the epoch (every edge made
// anywhere advances it, so an agent's mandate would read stale as soon as its own next hop was
// made) and checks instead everything the mandate stands on: its anchors, and under a delegation
// every edge and session of its path. Ending the root session revokes only the edges touching
// it, not the ones further down; an agent two hops below stands on those and falls with them.
import { anchorsOf, checkActiveAuthority, checkAnchors, type RevocationStore, type VerifiedMandate } from '../mandate/index.js'

/** The mandates' anchors and, under a delegation, every edge and session of their paths. */
export function dependencies(...mandates: VerifiedMandate[]): string[] {
  const all = new Set(anchorsOf(...mandates))
  for (const m of mandates) {
    for (const edge of m.delegationPath) all.add(edge)
    for (const hop of m.delegationChain) if (hop.sessionId) all.add(hop.sessionId)
  }
  return [...all]
}

/** Throws as the verifier does (expired, revoked) when the mandate or anything of its path is revoked. */
export async function checkStanding(mandate: VerifiedMandate, revocations: RevocationStore, nowMs: number): Promise<void> {
  await checkActiveAuthority(mandate, revocations, nowMs)
  if (mandate.delegationPath.length === 0) return
  const own = new Set(anchorsOf(mandate))
  await checkAnchors(dependencies(mandate).filter((a) => !own.has(a)), revocations)
}
