// What a principal sees in a list (tools, prompts, resources, templates): what belongs to a group
// it could be granted now, decided by the same checks and policy as the exchange (nothing minted,
// nothing spent), and whose requirements its mandate meets. Entries sharing a resource and scope
// set are decided once.
import type { TokenExchange } from '../sts/index.js'
import type { CatalogueEntry } from './catalogue.js'
import { groupRequirementFailure } from './requirements.js'
import { unauthenticatedOr, type Principal } from './tool-call-authorizer.js'

/** Grantable now, or grantable once a human approves: either way the tool is worth showing. */
const VISIBLE = new Set(['complete', 'approval_required'])

export function visibleEntries(principal: Principal, entries: readonly CatalogueEntry[], exchange: TokenExchange): Set<CatalogueEntry> {
  const decided = new Map<string, boolean>()
  const visible = new Set<CatalogueEntry>()
  for (const entry of entries) {
    if (entry.zoneId !== principal.mandate.zoneId || groupRequirementFailure(principal.mandate, entry.config)) continue
    const key = grantKey(entry)
    let shown = decided.get(key)
    if (shown === undefined) {
      try {
        shown = VISIBLE.has(exchange.previewResource(principal.token, entry.resource, entry.scopes))
      } catch (error) {
        throw unauthenticatedOr(error)
      }
      decided.set(key, shown)
    }
    if (shown) visible.add(entry)
  }
  return visible
}

/** One grant decision covers every tool with the same resource and scopes. */
export function grantKey(entry: Pick<CatalogueEntry, 'resource' | 'scopes'>): string {
  return `${entry.resource}\n${[...entry.scopes].sort().join(' ')}`
}
