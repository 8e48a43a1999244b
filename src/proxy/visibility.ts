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
  const candidates = entries.filter((e) => e.zoneId === principal.mandate.zoneId && !groupRequirementFailure(principal.mandate, e.config))
  const grants = new Map<string, CatalogueEntry>()
  for (const entry of candidates) if (!grants.has(grantKey(entry))) grants.set(grantKey(entry), entry)
  if (grants.size === 0) return new Set()
  let statuses: string[]
  try {
    statuses = exchange.previewResources(principal.token, [...grants.values()])
  } catch (error) {
    throw unauthenticatedOr(error)
  }
  const shown = new Set([...grants.keys()].filter((_key, i) => VISIBLE.has(statuses[i]!)))
  return new Set(candidates.filter((e) => shown.has(grantKey(e))))
}

/** One grant decision covers every tool with the same resource and scopes. */
export function grantKey(entry: Pick<CatalogueEntry, 'resource' | 'scopes'>): string {
  return `${entry.resource}\n${[...entry.scopes].sort().join(' ')}`
}
