// The tools the proxy can offer: each protected upstream's own list, every tool assigned to the
// one tool group whose patterns match it. A tool in no group, or matched by patterns of two
// groups, is left out: it is neither listed nor callable (deny by default, and an ambiguous
// assignment must not pick the weaker group by accident).
import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { groupResource, toolMatches, type ServerProtection, type ToolGroup } from '../config/index.js'
import type { Endpoint } from './resource-metadata.js'

/** The separator of `<server>__<tool>` on the aggregated endpoint; server names never contain it. */
export const SERVER_SEPARATOR = '__'

export interface CatalogueTool {
  server: string
  /** The upstream's definition, name included, as it listed it. */
  tool: Tool
  group: string
  config: ToolGroup
  /** The group's resource in its zone. */
  resource: string
  /** The scopes this tool needs: its own, else its group's. */
  scopes: readonly string[]
  zoneId: string
}

export class ToolCatalogue {
  readonly #protection: Readonly<Record<string, ServerProtection>>
  readonly #zoneOf: (server: string) => string
  readonly #tools = new Map<string, Map<string, CatalogueTool>>()
  readonly #warn: (line: string) => void

  constructor(protection: Readonly<Record<string, ServerProtection>>, zoneOf: (server: string) => string, warn: (line: string) => void) {
    this.#protection = protection
    this.#zoneOf = zoneOf
    this.#warn = warn
  }

  get servers(): string[] {
    return Object.keys(this.#protection)
  }

  isProtected(server: string): boolean {
    return Object.hasOwn(this.#protection, server)
  }

  /** Replaces a server's tools with what it listed now; true when the offer changed. */
  replace(server: string, tools: readonly Tool[]): boolean {
    const protection = this.#protection[server]
    if (!protection) return false
    const next = new Map<string, CatalogueTool>()
    for (const tool of tools) {
      const groups = Object.entries(protection.groups).filter(([, g]) => g.tools.some((p) => toolMatches(p, tool.name)))
      if (groups.length !== 1) {
        if (groups.length > 1) this.#warn(`upstream ${server}: tool ${tool.name} matches the groups ${groups.map(([n]) => n).join(', ')}; it is withheld until one group claims it`)
        continue
      }
      const [group, config] = groups[0]!
      next.set(tool.name, { server, tool, group, config, resource: groupResource(server, group, config), scopes: config.toolScopes?.[tool.name] ?? config.scopes, zoneId: this.#zoneOf(server) })
    }
    const previous = this.#tools.get(server)
    this.#tools.set(server, next)
    return !previous || !sameOffer(previous, next)
  }

  /** The tools an endpoint offers, in upstream order, servers in config order. */
  tools(endpoint: Endpoint): CatalogueTool[] {
    const servers = endpoint.server === undefined ? this.servers : [endpoint.server]
    return servers.flatMap((s) => [...(this.#tools.get(s)?.values() ?? [])])
  }

  /** The tool a name on an endpoint means, if it is offered at all. */
  resolve(endpoint: Endpoint, name: string): CatalogueTool | undefined {
    if (endpoint.server !== undefined) return this.#tools.get(endpoint.server)?.get(name)
    const at = name.indexOf(SERVER_SEPARATOR)
    if (at <= 0) return undefined
    return this.#tools.get(name.slice(0, at))?.get(name.slice(at + SERVER_SEPARATOR.length))
  }

  /** The name a tool goes by on an endpoint. */
  exposedName(endpoint: Endpoint, entry: CatalogueTool): string {
    return endpoint.server === undefined ? `${entry.server}${SERVER_SEPARATOR}${entry.tool.name}` : entry.tool.name
  }
}

// Two offers are the same when the same tools carry the same definitions.
function sameOffer(a: Map<string, CatalogueTool>, b: Map<string, CatalogueTool>): boolean {
  if (a.size !== b.size) return false
  for (const [name, entry] of a) {
    const other = b.get(name)
    if (!other || other.group !== entry.group || JSON.stringify(other.tool) !== JSON.stringify(entry.tool)) return false
  }
  return true
}
