// What a resource exchange would decide for each of a list of grants, without minting, auditing,
// opening a hold or spending the mint rate. Apart from the exchange because it writes nothing:
// the proxy asks it for every list it filters, and it must never leave a trace an exchange would.
import type { ValidatedDelegation } from '../delegation/index.js'
import type { PolicyEngine } from '../policy/index.js'
import type { Store } from '../store/index.js'
import { DelegationReferenceError } from './errors.js'
import { decideResource, type Acting } from './resource-decision.js'
import type { PresentedAuthority, StandingAuthority } from './standing-authority.js'

export interface GrantPreviewDeps {
  store: Store
  policy: PolicyEngine
  standing: StandingAuthority
}

/** Each grant's status under this authority, in order; a delegation that fails live is `delegation_invalid`. */
export function previewGrants(authority: PresentedAuthority, grants: readonly { resource: string; scopes: readonly string[] }[], options: { asSession?: boolean }, deps: GrantPreviewDeps, nowMs: number): string[] {
  const { app, session, presented } = authority
  const version = deps.policy.version(app.zoneId)
  return grants.map(({ resource, scopes }) => {
    let delegation: ValidatedDelegation | undefined
    try {
      delegation = presented.delegationId ? deps.standing.delegation(app, session.id, presented.delegationId, scopes, undefined, nowMs) : undefined
    } catch (error) {
      if (error instanceof DelegationReferenceError) return 'delegation_invalid'
      throw error
    }
    const acting: Acting = { app, subject: presented.sub, subType: presented.subType, session, ...(!options.asSession && { presented }), ...(delegation && { delegation }) }
    return decideResource(acting, resource, [...new Set(scopes)], { store: deps.store, version, requestId: 'preview', nowMs, challengeResolved: false }).status
  })
}
