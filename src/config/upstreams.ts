// The upstream MCP servers (`mcpServers`, in exactly the shape MCP clients use, so the section
// can be pasted to and from a client config) and, keyed by server name in a separate section,
// their protection: tool groups (each one resource of a zone, with the scopes its tools need),
// what the upstream is told about the caller, and timeouts. Strict: an unknown key is an error.
import { z } from 'zod'

/**
 * A server name becomes the prefix of its tools at /mcp (`<server>__<tool>`), split at the first
 * `__`: so no `__` in it, and no `_` at its end either (`a_` + `__` + `x` would read as `a` + `_x`).
 */
export const SERVER_NAME = /^(?!.*__)(?!.*_$)[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
/** A tool name (MCP allows letters, digits, `_`, `-`, `.`, `/`), or a pattern of one with `*`. */
const TOOL_PATTERN = /^[A-Za-z0-9_.\/*-]{1,128}$/
const TOOL_NAME = /^[A-Za-z0-9_.\/-]{1,128}$/

const scope = z.string().min(1).max(200).regex(/^\S+$/, 'a scope has no whitespace')
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')

export const upstreamServerSchema = z
  .strictObject({
    /** `stdio` (a child process), `http` (Streamable HTTP) or `sse` (the legacy transport, only when named); inferred from `command` / `url`. */
    type: z.enum(['stdio', 'http', 'sse']).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string().min(1), z.string()).optional(),
    /** Working directory of a stdio child, relative to the config file. */
    cwd: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    headers: z.record(z.string().min(1), z.string()).optional(),
  })
  .superRefine((s, ctx) => {
    const type = upstreamKind(s)
    if (type === 'stdio') {
      if (s.command === undefined) ctx.addIssue({ code: 'custom', message: 'a stdio server needs a command', path: ['command'] })
      if (s.url !== undefined || s.headers !== undefined) ctx.addIssue({ code: 'custom', message: 'a stdio server has no url or headers', path: ['url'] })
    } else {
      if (s.url === undefined) ctx.addIssue({ code: 'custom', message: `an ${type} server needs a url`, path: ['url'] })
      if (s.command !== undefined || s.args !== undefined || s.env !== undefined || s.cwd !== undefined) {
        ctx.addIssue({ code: 'custom', message: `an ${type} server has no command, args, env or cwd`, path: ['command'] })
      }
    }
  })

const PROMPT_PATTERN = TOOL_PATTERN
/** A resource URI or URI template, or a pattern of one with `*`. */
const RESOURCE_PATTERN = /^\S{1,512}$/

export const toolGroupSchema = z.strictObject({
  /** Tool names of the upstream, or patterns with `*`; a tool belongs to at most one group. */
  tools: z.array(z.string().regex(TOOL_PATTERN, 'a tool name, or a pattern of one with *')).max(256).default([]),
  /** Prompt names, or patterns with `*`: governed like the group's tools. A prompt in no group is hidden and refused. */
  prompts: z.array(z.string().regex(PROMPT_PATTERN, 'a prompt name, or a pattern of one with *')).max(256).optional(),
  /**
   * Resource URIs (and URI templates as the upstream lists them), or patterns with `*`: governed
   * like the group's tools. A resource in no group is hidden and refused.
   */
  resources: z.array(z.string().regex(RESOURCE_PATTERN, 'a resource URI, or a pattern of one with *')).max(256).optional(),
  /** The scopes every tool of the group needs. */
  scopes: z.array(scope).min(1).max(64),
  /** Scopes of single tools, instead of the group's. */
  toolScopes: z.record(z.string().regex(TOOL_NAME, 'a tool name'), z.array(scope).min(1).max(64)).optional(),
  /** The resource identifier of the group; by default `resource://<server>/<group>`. */
  resource: z.string().min(1).max(256).regex(/^\S+$/, 'a resource identifier has no whitespace').optional(),
  /** Verifier requirements on the group's resource mandates (contract §3). */
  requireSession: z.boolean().default(true),
  requireDelegation: z.boolean().default(false),
  requireChainContains: z.array(z.string().min(1)).max(16).optional(),
  maxHopCount: z.number().int().min(1).max(10).optional(),
})

export const upstreamAuthSchema = z.discriminatedUnion('mode', [
  /** The upstream is told nothing (it must be reachable only through the proxy). */
  z.strictObject({ mode: z.literal('none') }),
  /** Each use (tools/call, prompts/get, resources/read, subscriptions) carries the resource mandate as `Authorization: Bearer`; the upstream verifies it per call. */
  z.strictObject({ mode: z.literal('mandate') }),
  /** The upstream receives a static credential from the environment in a header. */
  z.strictObject({ mode: z.literal('header'), header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/), fromEnv: envName, scheme: z.string().min(1).max(32).optional() }),
])

/**
 * A server that is itself an agent (SPEC §7): forwarding a call to it delegates to a session of
 * `application`, narrowed to what the caller holds of `delegate.scopes`, for at most `maxHops`
 * further hops (below the caller's remaining ones) and `ttlSeconds` (within the caller's life).
 */
export const agentSchema = z.strictObject({
  application: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'an application id (as applications create takes it)'),
  delegate: z.strictObject({
    scopes: z.array(scope).min(1).max(64),
    maxHops: z.number().int().min(1).max(10).default(1),
    ttlSeconds: z.number().int().min(60).max(86_400).default(900),
  }),
})

export const serverProtectionSchema = z.strictObject({
  /** The zone the server's groups are resources of; needed when the config has several zones. */
  zone: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/).optional(),
  groups: z
    .record(z.string().regex(GROUP_NAME, 'a group name is 1–64 letters, digits, "_" or "-"'), toolGroupSchema)
    .refine((groups) => Object.keys(groups).length > 0, 'a protected server has at least one tool group'),
  upstreamAuth: upstreamAuthSchema.default({ mode: 'none' }),
  timeouts: z
    .strictObject({
      /** One upstream request (a tool call, a list). */
      requestMs: z.number().int().min(100).max(3_600_000).default(60_000),
    })
    .default({ requestMs: 60_000 }),
  agent: agentSchema.optional(),
})

export type UpstreamServer = z.infer<typeof upstreamServerSchema>
export type ToolGroup = z.infer<typeof toolGroupSchema>
export type ServerProtection = z.infer<typeof serverProtectionSchema>
export type AgentProtection = z.infer<typeof agentSchema>

/** How an upstream is reached: its `type`, else inferred as clients infer it (`command` ⇒ stdio, else http). */
export function upstreamKind(s: Pick<UpstreamServer, 'type' | 'command'>): 'stdio' | 'http' | 'sse' {
  return s.type ?? (s.command !== undefined ? 'stdio' : 'http')
}

/** The resource a group is, in its zone. */
export function groupResource(server: string, group: string, g: Pick<ToolGroup, 'resource'>): string {
  return g.resource ?? `resource://${server}/${group}`
}

/** Every scope a group's tools may need: the group's and each tool's own. */
export function groupScopes(g: Pick<ToolGroup, 'scopes' | 'toolScopes'>): string[] {
  return [...new Set([...g.scopes, ...Object.values(g.toolScopes ?? {}).flat()])].sort()
}

/** Whether a tool name matches a group's pattern (`*` matches any run of characters). */
export function toolMatches(pattern: string, tool: string): boolean {
  if (!pattern.includes('*')) return pattern === tool
  const source = pattern.split('*').map((part) => part.replace(/[.\/\\^$+?()[\]{}|-]/g, '\\$&')).join('.*')
  return new RegExp(`^${source}$`).test(tool)
}
