// What the proxy can offer: each protected upstream's own tools, prompts, resources and resource
// templates, every one assigned to the one group whose patterns match it. Anything in no group,
// or matched by patterns of two groups, is left out: neither listed nor usable (deny by default,
// and an ambiguous assignment must not pick the weaker group by accident).
import { groupResource, toolMatches, type ServerProtection, type ToolGroup } from '../config/index.js'
import type { Endpoint } from './resource-metadata.js'

/** The separator of `<server>__<name>` on the aggregated endpoint; server names never contain it. */
export const SERVER_SEPARATOR = '__'

export type EntryKind = 'tool' | 'prompt' | 'resource' | 'template'

export interface CatalogueEntry {
  kind: EntryKind
  server: string
  /** The upstream's name for it: a tool or prompt name, a resource URI or a URI template. */
  name: string
  /** The upstream's definition, as it listed it. */
  definition: Record<string, unknown> & { name?: string }
  group: string
  config: ToolGroup
  /** The group's resource in its zone. */
  resource: string
  /** The scopes using it needs: a tool's own, else its group's. */
  scopes: readonly string[]
  zoneId: string
}

/** Which of a group's pattern lists governs each kind. */
const PATTERNS: Record<EntryKind, (g: ToolGroup) => readonly string[]> = {
  tool: (g) => g.tools,
  prompt: (g) => g.prompts ?? [],
  resource: (g) => g.resources ?? [],
  template: (g) => g.resources ?? [],
}

/** The field of a listed item that names it. */
const NAME_FIELD: Record<EntryKind, string> = { tool: 'name', prompt: 'name', resource: 'uri', template: 'uriTemplate' }

export class Catalogue {
  readonly #protection: Readonly<Record<string, ServerProtection>>
  readonly #zoneOf: (server: string) => string
  /** `kind server` → name → entry. */
  readonly #entries = new Map<string, Map<string, CatalogueEntry>>()
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

  /** Whether any group of the server governs this kind (so it is worth listing upstream at all). */
  governs(server: string, kind: EntryKind): boolean {
    return Object.values(this.#protection[server]?.groups ?? {}).some((g) => PATTERNS[kind](g).length > 0)
  }

  /** Replaces what a server offers of one kind with what it listed now; true when the offer changed. */
  replace(server: string, kind: EntryKind, items: readonly Record<string, unknown>[]): boolean {
    if (!this.#protection[server]) return false
    const next = new Map<string, CatalogueEntry>()
    for (const item of items) {
      const name = item[NAME_FIELD[kind]]
      if (typeof name !== 'string') continue
      const entry = this.#assign(server, kind, name, item)
      if (entry) next.set(name, entry)
    }
    const key = `${kind} ${server}`
    const previous = this.#entries.get(key)
    this.#entries.set(key, next)
    return !previous || !sameOffer(previous, next)
  }

  /** What an endpoint offers of one kind, in upstream order, servers in config order. */
  entries(endpoint: Endpoint, kind: EntryKind): CatalogueEntry[] {
    const servers = endpoint.server === undefined ? this.servers : [endpoint.server]
    return servers.flatMap((s) => [...(this.#entries.get(`${kind} ${s}`)?.values() ?? [])])
  }

  /** The tool or prompt a name on an endpoint means, if it is offered at all. */
  resolve(endpoint: Endpoint, kind: 'tool' | 'prompt', name: string): CatalogueEntry | undefined {
    if (endpoint.server !== undefined) return this.#entries.get(`${kind} ${endpoint.server}`)?.get(name)
    const at = name.indexOf(SERVER_SEPARATOR)
    if (at <= 0) return undefined
    return this.#entries.get(`${kind} ${name.slice(0, at)}`)?.get(name.slice(at + SERVER_SEPARATOR.length))
  }

  /**
   * The resource a URI means on an endpoint. URIs are not renamed, so on /mcp the server is the
   * one whose groups govern the URI (a listed resource, or any URI a pattern admits, which covers
   * reads through templates); a URI two servers govern is unknown rather than guessed.
   */
  resolveUri(endpoint: Endpoint, uri: string): CatalogueEntry | undefined {
    const servers = endpoint.server === undefined ? this.servers : [endpoint.server]
    // A pattern admits an unlisted URI only when it cannot climb out of what the pattern names:
    // `file:///srv/public/*` must not admit `file:///srv/public/../../etc/passwd`.
    const admissible = !climbs(uri)
    const found = servers
      .map((s) => this.#entries.get(`resource ${s}`)?.get(uri) ?? (admissible ? this.#assign(s, 'resource', uri, { uri }, true) : undefined))
      .filter((e) => e !== undefined)
    return found.length === 1 ? found[0] : undefined
  }

  /** The name an entry goes by on an endpoint: tools and prompts are prefixed on /mcp, URIs never. */
  exposedName(endpoint: Endpoint, entry: CatalogueEntry): string {
    if (entry.kind === 'resource' || entry.kind === 'template') return entry.name
    return endpoint.server === undefined ? `${entry.server}${SERVER_SEPARATOR}${entry.name}` : entry.name
  }

  /** The listed item as an endpoint shows it. */
  exposed(endpoint: Endpoint, entry: CatalogueEntry): Record<string, unknown> {
    return entry.kind === 'tool' || entry.kind === 'prompt' ? { ...entry.definition, name: this.exposedName(endpoint, entry) } : entry.definition
  }

  #assign(server: string, kind: EntryKind, name: string, definition: Record<string, unknown>, quiet = false): CatalogueEntry | undefined {
    const protection = this.#protection[server]!
    const groups = Object.entries(protection.groups).filter(([, g]) => PATTERNS[kind](g).some((p) => toolMatches(p, name)))
    if (groups.length !== 1) {
      if (groups.length > 1 && !quiet) this.#warn(`upstream ${server}: ${kind} ${name} matches the groups ${groups.map(([n]) => n).join(', ')}; it is withheld until one group claims it`)
      return undefined
    }
    const [group, config] = groups[0]!
    // An own key only: an upstream's tool named `constructor` must not find Object's.
    const scopes = kind === 'tool' && config.toolScopes && Object.hasOwn(config.toolScopes, name) ? config.toolScopes[name]! : config.scopes
    return { kind, server, name, definition, group, config, resource: groupResource(server, group, config), scopes, zoneId: this.#zoneOf(server) }
  }
}

/**
 * Whether a URI has a `.` or `..` path segment (with `/` or `\` as separator, also percent-
 * encoded), a NUL, or a control character: what an upstream that normalises URIs could resolve
 * outside the pattern that admitted it.
 */
export function climbs(uri: string): boolean {
  if (/[\x00-\x1f]/.test(uri) || /%(2e|2f|5c|00)/i.test(uri)) return true
  return uri.split(/[/\\?#]/).some((segment) => segment === '.' || segment === '..')
}

// Two offers are the same when the same names carry the same definitions in the same groups.
function sameOffer(a: Map<string, CatalogueEntry>, b: Map<string, CatalogueEntry>): boolean {
  if (a.size !== b.size) return false
  for (const [name, entry] of a) {
    const other = b.get(name)
    if (!other || other.group !== entry.group || JSON.stringify(other.definition) !== JSON.stringify(entry.definition)) return false
  }
  return true
}
