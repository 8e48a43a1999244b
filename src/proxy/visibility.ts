// What a principal sees in a list (tools, prompts, resources, templates), and which updates of a
// resource it hears: what belongs to a group it could be granted now, decided by the same checks
// and policy as the exchange (nothing minted, nothing spent), and whose requirements its mandate
// meets. Entries sharing a resource and scope set are decided once.
import type { VerifiedMandate } from '../mandate/index.js'
import type { TokenExchange } from '../sts/index.js'
import type { CatalogueEntry } from './catalogue.js'
import type { DownstreamSession } from './downstream-session.js'
import { groupRequirementFailure } from './requirements.js'
import { unauthenticatedOr, type Principal } from './tool-call-authorizer.js'

/** Grantable now, or grantable once a human approves: either way the tool is worth showing. */
const VISIBLE = new Set(['complete', 'approval_required'])

export function visibleEntries(principal: Principal, entries: readonly CatalogueEntry[], exchange: TokenExchange): Set<CatalogueEntry> {
  return visibleTo(principal.mandate, entries, (grants) => {
    try {
      return exchange.previewResources(principal.token, grants)
    } catch (error) {
      throw unauthenticatedOr(error)
    }
  })
}

/** As visibleEntries, with the exchange's decision for the mandate's principal given as `preview`. */
export function visibleTo(mandate: VerifiedMandate, entries: readonly CatalogueEntry[], preview: (grants: CatalogueEntry[]) => string[]): Set<CatalogueEntry> {
  const candidates = entries.filter((e) => e.zoneId === mandate.zoneId && !groupRequirementFailure(mandate, e.config))
  const grants = new Map<string, CatalogueEntry>()
  for (const entry of candidates) if (!grants.has(grantKey(entry))) grants.set(grantKey(entry), entry)
  if (grants.size === 0) return new Set()
  const statuses = preview([...grants.values()])
  const shown = new Set([...grants.keys()].filter((_key, i) => VISIBLE.has(statuses[i]!)))
  return new Set(candidates.filter((e) => shown.has(grantKey(e))))
}

/**
 * Whether a session subscribed to a resource hears of its update now: only while its principal
 * could still be granted it (a grant removed since the subscription ends what it hears), asked of
 * the mandate the session stands on longest. Anything that cannot be decided withholds the update.
 */
export function hearsUpdate(session: DownstreamSession, uri: string, exchange: TokenExchange, nowMs: number): boolean {
  const entry = session.subscriptions.get(uri)
  const mandate = session.freshestMandate(nowMs)
  if (!entry || !mandate) return false
  try {
    return visibleTo(mandate, [entry], (grants) => exchange.previewStanding(mandate, grants)).size > 0
  } catch {
    return false
  }
}

/** One grant decision covers every tool with the same resource and scopes. */
export function grantKey(entry: Pick<CatalogueEntry, 'resource' | 'scopes'>): string {
  return `${entry.resource}\n${[...entry.scopes].sort().join(' ')}`
}
