// Which tools a principal sees in tools/list: those whose group it could be granted now, decided
// by the same checks and policy as the exchange (nothing minted, nothing spent), and whose group
// requirements its mandate meets. Tools sharing a resource and scope set are decided once.
import type { TokenExchange } from '../sts/index.js'
import type { CatalogueTool } from './catalogue.js'
import { groupRequirementFailure } from './requirements.js'
import { unauthenticatedOr, type Principal } from './tool-call-authorizer.js'

/** Grantable now, or grantable once a human approves: either way the tool is worth showing. */
const VISIBLE = new Set(['complete', 'approval_required'])

export function visibleTools(principal: Principal, tools: readonly CatalogueTool[], exchange: TokenExchange): Set<CatalogueTool> {
  const decided = new Map<string, boolean>()
  const visible = new Set<CatalogueTool>()
  for (const entry of tools) {
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
export function grantKey(entry: Pick<CatalogueTool, 'resource' | 'scopes'>): string {
  return `${entry.resource}\n${[...entry.scopes].sort().join(' ')}`
}
