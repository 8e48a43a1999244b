// The shape of mcp.config.json, strict: an unknown key is an error, not a silent no-op. The
// upstreams and their protection are in ./upstreams.ts; what the sections must agree on is
// checked here, each failure naming its JSON path.
import { z } from 'zod'
import { SERVER_NAME, groupResource, serverProtectionSchema, toolMatches, upstreamServerSchema, type ServerProtection, type UpstreamServer } from './upstreams.js'

const zoneId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a zone id is 1–64 letters, digits, ".", "_" or "-"')

const scope = z.string().min(1).max(200).regex(/^\S+$/, 'a scope has no whitespace')

/** Hosts on which a federation URL may use plain http (tests and development only). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** Parsed for the refinements below; a value that is no URL at all is reported by z.url() alone. */
const parsedUrl = (value: string): URL | undefined => (URL.canParse(value) ? new URL(value) : undefined)

/** An absolute URL fetched or compared by the STS: https, or http on a loopback host; no credentials. */
const federationUrl = z
  .url({ protocol: /^https?$/ })
  .refine((value) => {
    const url = parsedUrl(value)
    return url === undefined || url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname)
  }, 'use https (http only on 127.0.0.1, localhost or [::1])')
  .refine((value) => {
    const url = parsedUrl(value)
    return url === undefined || (url.username === '' && url.password === '')
  }, 'a federation URL carries no credentials')

/** JWS algorithms an issuer may sign id_tokens with: asymmetric only, never `none` or HS*. */
const FEDERATION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'] as const

export const federatedIssuerSchema = z.strictObject({
  /** The OpenID Connect issuer, compared exactly (byte for byte) with the id_token's `iss`; no query or fragment. */
  issuer: federationUrl.refine((value) => !value.includes('?') && !value.includes('#'), 'an issuer has no query or fragment'),
  /** Where the issuer publishes its signing keys (JWK Set); fetched with a timeout and cached. */
  jwksUri: federationUrl,
  /** The client id(s) an id_token must be issued to: its `aud` must contain one of them. */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** JWS algorithms accepted from this issuer; by default RS256 and ES256. */
  algorithms: z.array(z.enum(FEDERATION_ALGORITHMS)).min(1).default(['RS256', 'ES256']),
})

export const zonePolicySchema = z.strictObject({
  /** Path to this zone's data documents (JSON), relative to the config file. */
  data: z.string().min(1),
  /** Resources registered in the zone at start, by identifier, with the scopes each declares. */
  resources: z.record(z.string().min(1).max(256), z.strictObject({ scopes: z.array(scope).max(64) })).default({}),
  /**
   * OpenID Connect issuers whose id_tokens the STS accepts as `subject_token` for a user of this
   * zone; each issuer at most once. Absent: no federated users.
   */
  federation: z
    .array(federatedIssuerSchema)
    .max(16)
    .superRefine((issuers, ctx) => {
      const seen = new Set<string>()
      issuers.forEach(({ issuer }, index) => {
        if (seen.has(issuer)) ctx.addIssue({ code: 'custom', message: `issuer ${issuer} is configured more than once in this zone`, path: [index, 'issuer'] })
        seen.add(issuer)
      })
    })
    .optional(),
})

export const policyConfigSchema = z.strictObject({
  /**
   * Path to a manifest.json of a compiled contract (relative to the config file); by default
   * the contract shipped in policies/build.
   */
  manifest: z.string().min(1).optional(),
  /** The zones of this process and the data each one's policy runs on. */
  zones: z.record(zoneId, zonePolicySchema).refine((zones) => Object.keys(zones).length > 0, 'configure at least one zone'),
})

export const storeConfigSchema = z.strictObject({
  /** SQLite database file, relative to the config file; overridden by CARACAL_MCP_DATABASE. */
  path: z.string().min(1).default('.caracal/caracal.sqlite'),
})

export const serverConfigSchema = z.strictObject({
  /** Listen address; overridden by CARACAL_MCP_HOST. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Listen port (0: any free port); overridden by CARACAL_MCP_PORT. */
  port: z.number().int().min(0).max(65535).default(8780),
  /** The STS issuer URL (`iss` of every mandate); defaults to http://host:port. Overridden by CARACAL_MCP_ISSUER. */
  issuer: z.url({ protocol: /^https?$/ }).optional(),
  /** An MCP request body larger than this is refused with 413 (the token endpoint keeps its own limit). */
  maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  /** A bearer (MCP endpoints, Coordinator, approval decisions) or a subject token (token endpoint) longer than this is refused unread; at most the token form field's 16 KiB. */
  maxTokenBytes: z.number().int().min(1024).max(16 * 1024).default(4096),
})

export const stsConfigSchema = z.strictObject({
  /** Mints a minute per (zone, resource, application); Caracal's default 1000. */
  mintsPerMinute: z.number().int().min(1).default(1000),
  /** Failed authentications of one application within a minute before it is blocked for one. */
  authFailuresPerMinute: z.number().int().min(1).default(60),
})

export const sessionsConfigSchema = z.strictObject({
  /** Sessions of a zone that are not terminated, at most (our default; Caracal's docs name none). */
  liveSessionsPerZone: z.number().int().min(1).default(100_000),
  /** Sessions of one application that are not terminated, at most. */
  liveSessionsPerApplication: z.number().int().min(1).default(10_000),
})

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    policy: policyConfigSchema,
    store: storeConfigSchema.default({ path: '.caracal/caracal.sqlite' }),
    server: serverConfigSchema.default({ host: '127.0.0.1', port: 8780, maxBodyBytes: 4 * 1024 * 1024, maxTokenBytes: 4096 }),
    sts: stsConfigSchema.default({ mintsPerMinute: 1000, authFailuresPerMinute: 60 }),
    sessions: sessionsConfigSchema.default({ liveSessionsPerZone: 100_000, liveSessionsPerApplication: 10_000 }),
    /** The upstream MCP servers, by name, in the shape MCP clients use. */
    mcpServers: z
      .record(z.string(), upstreamServerSchema)
      .superRefine((servers, ctx) => {
        for (const name of Object.keys(servers)) {
          if (!SERVER_NAME.test(name)) ctx.addIssue({ code: 'custom', message: 'a server name is 1–64 letters, digits, "_" or "-", without "__" and not ending in "_" (it prefixes its tools as <server>__<tool>)', path: [name] })
        }
      })
      .default({}),
    /** How each upstream server is protected, by its name in mcpServers. */
    protection: z.record(z.string(), serverProtectionSchema).default({}),
  })
  .superRefine((c, ctx) => checkProtection(c, ctx))

/**
 * What the parts of the config must agree on: a protected server exists; its zone is one of the
 * config's; a tool, prompt or resource pattern is in one group only; a group governs something; a
 * per-tool scope names a tool of its group; and
 * a resource identifier is declared once per zone (by a group or under policy.zones).
 */
function checkProtection(c: ProtectionParts, ctx: z.RefinementCtx): void {
  const zones = Object.keys(c.policy.zones)
  const declared = new Map<string, string>()
  for (const [zone, z] of Object.entries(c.policy.zones)) for (const r of Object.keys(z.resources)) declared.set(`${zone} ${r}`, `policy.zones.${zone}.resources`)
  for (const [server, p] of Object.entries(c.protection)) {
    const at = (...path: PropertyKey[]) => ['protection', server, ...path]
    if (!Object.hasOwn(c.mcpServers, server)) ctx.addIssue({ code: 'custom', message: `there is no server ${server} in mcpServers`, path: at() })
    const zone = p.zone ?? (zones.length === 1 ? zones[0]! : undefined)
    if (zone === undefined) ctx.addIssue({ code: 'custom', message: 'name the zone: the config has several', path: at('zone') })
    else if (!zones.includes(zone)) ctx.addIssue({ code: 'custom', message: `zone ${zone} is not one of policy.zones`, path: at('zone') })
    const patterns = new Map<string, string>()
    for (const [group, g] of Object.entries(p.groups)) {
      for (const kind of ['tools', 'prompts', 'resources'] as const) {
        for (const pattern of g[kind] ?? []) {
          const other = patterns.get(`${kind} ${pattern}`)
          if (other !== undefined) ctx.addIssue({ code: 'custom', message: `${kind.slice(0, -1)} ${pattern} is in groups ${other} and ${group}`, path: at('groups', group, kind) })
          patterns.set(`${kind} ${pattern}`, group)
        }
      }
      if (g.tools.length + (g.prompts?.length ?? 0) + (g.resources?.length ?? 0) === 0) {
        ctx.addIssue({ code: 'custom', message: 'a group governs at least one tool, prompt or resource', path: at('groups', group, 'tools') })
      }
      for (const tool of Object.keys(g.toolScopes ?? {})) {
        if (!g.tools.some((pattern) => toolMatches(pattern, tool))) ctx.addIssue({ code: 'custom', message: `tool ${tool} is not one of the group's tools`, path: at('groups', group, 'toolScopes', tool) })
      }
      if (zone === undefined) continue
      const resource = groupResource(server, group, g)
      const where = declared.get(`${zone} ${resource}`)
      if (where !== undefined) ctx.addIssue({ code: 'custom', message: `resource ${resource} is declared already (${where})`, path: at('groups', group, 'resource') })
      declared.set(`${zone} ${resource}`, `protection.${server}.groups.${group}`)
    }
  }
}

interface ProtectionParts {
  policy: z.infer<typeof policyConfigSchema>
  mcpServers: Record<string, UpstreamServer>
  protection: Record<string, ServerProtection>
}

export type Config = z.infer<typeof configSchema>
export type FederatedIssuerConfig = z.infer<typeof federatedIssuerSchema>
