// The MCP proxy: the downstream sessions, the tool catalogue, the upstream connections, and
// what happens to a decided request. The front door (front-door.ts) authenticates and decides;
// this carries the decision out: lists what may be seen, forwards what is allowed with the
// resource mandate the upstream may receive (never the client's token), answers a deny exactly
// like an unknown tool, audits every call, and cancels calls whose authority is revoked.
import { McpError, ErrorCode, type CallToolRequest, type CallToolResult, type ListToolsResult, type Tool } from '@modelcontextprotocol/sdk/types.js'
import type { AuditEvent, AuditLog } from '../audit/index.js'
import type { ServerProtection, UpstreamServer } from '../config/index.js'
import type { RevocationBus } from '../revocation/index.js'
import type { CatalogueTool } from './catalogue.js'
import { ToolCatalogue } from './catalogue.js'
import { DownstreamSession, type HandlerExtra, type RequestDecision, type SessionHost } from './downstream-session.js'
import { InFlightCalls, RevokedDuringCallError } from './in-flight.js'
import type { ResourceMandateCache } from './mandate-cache.js'
import type { ProxyMetrics } from './proxy-metrics.js'
import type { Endpoint } from './resource-metadata.js'
import type { Verdict } from './tool-call-authorizer.js'
import { UpstreamPool } from './upstream-pool.js'
import { grantKey } from './visibility.js'

export const LIST_PAGE_SIZE = 100
/**
 * Open sessions per principal and in all: beyond them the least recently used session is closed
 * (its client gets 404 and initializes again, as the transport spec expects), so a client that
 * never sends DELETE cannot grow the proxy's memory without bound.
 */
export const MAX_SESSIONS_PER_PRINCIPAL = 64
export const MAX_SESSIONS = 10_000
/** A session nobody used for this long is closed, with its upstream sessions. */
export const SESSION_IDLE_MS = 30 * 60 * 1000
/** The JSON-RPC error of a call cancelled because its authority was revoked. */
export const REVOKED_DURING_CALL = -32003
/** `_meta` keys of ours; a client's own are removed before a call goes upstream. */
const CARACAL_META_PREFIX = 'run.caracal/'
export const MANDATE_META_KEY = 'run.caracal/mandate'

export interface McpProxyOptions {
  issuer: string
  servers: Readonly<Record<string, UpstreamServer>>
  protection: Readonly<Record<string, ServerProtection>>
  zoneOf: (server: string) => string
  configDir: string
  env: NodeJS.ProcessEnv
  audit: AuditLog
  bus: RevocationBus
  cache: ResourceMandateCache
  metrics: ProxyMetrics
  log: (line: string) => void
}

export class McpProxy implements SessionHost {
  readonly catalogue: ToolCatalogue
  readonly #o: McpProxyOptions
  readonly #pool: UpstreamPool
  readonly #sessions = new Map<string, DownstreamSession>()
  readonly #byPrincipal = new Map<string, Set<DownstreamSession>>()
  readonly #inFlight = new InFlightCalls()
  readonly #unsubscribe: () => void
  readonly #sweeper: NodeJS.Timeout
  readonly #refreshing = new Map<string, Promise<void>>()

  constructor(options: McpProxyOptions) {
    this.#o = options
    this.catalogue = new ToolCatalogue(options.protection, options.zoneOf, options.log)
    this.#pool = new UpstreamPool({
      servers: options.servers,
      protection: options.protection,
      configDir: options.configDir,
      staticHeaders: staticHeaders(options.protection, options.env),
      onToolsChanged: (server) => void this.refreshTools(server),
      log: options.log,
    })
    this.#unsubscribe = options.bus.subscribe((event) => {
      if (event.type !== 'anchors_revoked') return
      options.cache.revoke(event.anchors)
      const aborted = this.#inFlight.abort(event.anchors)
      if (aborted > 0) options.metrics.revokedCalls.inc(undefined, aborted)
    })
    this.#sweeper = setInterval(() => this.#closeIdle(), 60_000).unref()
  }

  /** Connects every protected upstream and lists its tools; an upstream that is down keeps retrying in the background. */
  async start(): Promise<void> {
    await this.#pool.start()
    await Promise.all([...this.#refreshing.values()])
  }

  /** Lists a server's tools again; sessions whose view changed are told (list_changed). */
  refreshTools(server: string): Promise<void> {
    const running = this.#refreshing.get(server)
    if (running) return running
    const refresh = (async () => {
      try {
        const tools = await this.#pool.shared(server).listTools(this.#o.protection[server]!.timeouts.requestMs)
        if (this.catalogue.replace(server, tools)) this.#announceChanges(server)
      } catch (error) {
        this.#o.log(`upstream ${server}: listing tools failed: ${(error as Error).message}`)
      } finally {
        this.#refreshing.delete(server)
      }
    })()
    this.#refreshing.set(server, refresh)
    return refresh
  }

  session(id: string): DownstreamSession | undefined {
    const session = this.#sessions.get(id)
    if (session) session.lastSeenAt = Date.now()
    return session
  }

  /** A new session, registered once its initialize succeeds. */
  async openSession(principalKey: string, endpoint: Endpoint): Promise<DownstreamSession> {
    const session = new DownstreamSession(this, principalKey, endpoint, (s) => this.#register(s))
    await session.connect()
    return session
  }

  upstreamConnected(server: string): boolean {
    try {
      return this.#pool.shared(server).connected
    } catch {
      return false
    }
  }

  get sessionCount(): number {
    return this.#sessions.size
  }

  #register(session: DownstreamSession): void {
    this.#sessions.set(session.id!, session)
    let mine = this.#byPrincipal.get(session.principalKey)
    if (!mine) this.#byPrincipal.set(session.principalKey, (mine = new Set()))
    mine.add(session)
    if (mine.size > MAX_SESSIONS_PER_PRINCIPAL) this.sessionClosed(leastRecentlySeen(mine))
    if (this.#sessions.size > MAX_SESSIONS) this.sessionClosed(leastRecentlySeen(this.#sessions.values()))
    this.#o.metrics.sessions.set(this.#sessions.size)
  }

  sessionClosed(session: DownstreamSession): void {
    if (session.id === undefined || this.#sessions.get(session.id) !== session) return
    this.#sessions.delete(session.id)
    const mine = this.#byPrincipal.get(session.principalKey)
    mine?.delete(session)
    if (mine?.size === 0) this.#byPrincipal.delete(session.principalKey)
    this.#o.metrics.sessions.set(this.#sessions.size)
    void this.#pool.closeSession(session.id)
    void session.close()
  }

  listTools(session: DownstreamSession, decision: RequestDecision, cursor: string | undefined): ListToolsResult {
    const all = this.catalogue.tools(session.endpoint).filter((t) => decision.visible!.has(t))
    session.shownGrants = new Set(all.map(grantKey))
    session.shownTools = new Set(all.map((t) => this.catalogue.exposedName(session.endpoint, t)))
    const offset = cursor === undefined ? 0 : offsetOf(cursor)
    const page = all.slice(offset, offset + LIST_PAGE_SIZE).map((t): Tool => ({ ...t.tool, name: this.catalogue.exposedName(session.endpoint, t) }))
    const next = offset + LIST_PAGE_SIZE
    return { tools: page, ...(next < all.length && { nextCursor: cursorOf(next) }) }
  }

  async callTool(session: DownstreamSession, decision: RequestDecision | undefined, request: CallToolRequest, extra: HandlerExtra): Promise<CallToolResult> {
    const name = request.params.name
    const call = decision?.call
    // Only a verdict the front door reached for this very request counts; anything else is a deny.
    if (!decision || !call || call.rpcId !== extra.requestId || !call.entry) {
      if (decision && call?.entry === undefined) await this.#audit(decision, undefined, call?.verdict ?? { kind: 'deny', reason: 'unknown_tool' }, { name })
      throw unknownTool(name)
    }
    const { entry, verdict } = call
    if (verdict.kind === 'deny') {
      await this.#audit(decision, entry, verdict, {})
      throw unknownTool(name)
    }
    if (verdict.kind === 'unavailable') {
      await this.#audit(decision, entry, verdict, {})
      throw new McpError(ErrorCode.InternalError, 'Authorization is unavailable; the tool was not called. Try again later.')
    }
    if (verdict.kind === 'approval') {
      await this.#audit(decision, entry, verdict, {})
      return approvalResult(this.#o.issuer, verdict)
    }
    return this.#forward(session, decision, entry, verdict, request, extra)
  }

  /** A refusal answered at the HTTP level (a scope challenge), audited like any other. */
  recordRefusal(decision: RequestDecision, entry: CatalogueTool, reason: string): Promise<void> {
    return this.#audit(decision, entry, { kind: 'deny', reason }, {})
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    this.#unsubscribe()
    await Promise.all([...this.#sessions.values()].map((s) => s.close()))
    this.#sessions.clear()
    this.#byPrincipal.clear()
    await this.#pool.close()
  }

  async #forward(session: DownstreamSession, decision: RequestDecision, entry: CatalogueTool, verdict: Extract<Verdict, { kind: 'allow' }>, request: CallToolRequest, extra: HandlerExtra): Promise<CallToolResult> {
    const started = performance.now()
    const protection = this.#o.protection[entry.server]!
    const controller = new AbortController()
    const onCancel = () => controller.abort(extra.signal.reason)
    if (extra.signal.aborted) controller.abort(extra.signal.reason)
    else extra.signal.addEventListener('abort', onCancel, { once: true })
    const release = this.#inFlight.add(verdict.mandate.anchors, controller)
    const { progressToken, ...meta } = request.params._meta ?? {}
    for (const key of Object.keys(meta)) if (key.startsWith(CARACAL_META_PREFIX)) delete meta[key]
    let upstreamStatus = 'ok'
    try {
      const upstream = await this.#pool.forSession(session.id!, entry.server)
      const mandateMode = protection.upstreamAuth.mode === 'mandate'
      if (mandateMode && upstream.kind === 'stdio') meta[MANDATE_META_KEY] = verdict.mandate.token
      const params = { name: entry.tool.name, ...(request.params.arguments !== undefined && { arguments: request.params.arguments }), ...(Object.keys(meta).length > 0 && { _meta: meta }) }
      const result = await upstream.callTool(params, {
        signal: controller.signal,
        timeoutMs: protection.timeouts.requestMs,
        ...(mandateMode && upstream.kind !== 'stdio' && { headers: { Authorization: `Bearer ${verdict.mandate.token}` } }),
        // The SDK gives the upstream a progress token of its own; the client hears its own back.
        ...(progressToken !== undefined && {
          onprogress: (p) => void extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken } }).catch(() => {}),
        }),
      })
      if (result.isError) upstreamStatus = 'tool_error'
      await this.#audit(decision, entry, verdict, { upstreamStatus, latencyMs: performance.now() - started })
      return result
    } catch (error) {
      upstreamStatus = controller.signal.reason instanceof RevokedDuringCallError ? 'revoked' : extra.signal.aborted ? 'cancelled' : error instanceof McpError && error.code === ErrorCode.RequestTimeout ? 'timeout' : 'error'
      await this.#audit(decision, entry, verdict, { upstreamStatus, latencyMs: performance.now() - started, ...(upstreamStatus === 'revoked' && { revokedAnchor: (controller.signal.reason as RevokedDuringCallError).anchor }) })
      if (upstreamStatus === 'revoked') throw new McpError(REVOKED_DURING_CALL, 'The authority of this call was revoked; the call was cancelled.')
      if (error instanceof McpError) throw error
      throw new McpError(ErrorCode.InternalError, `Upstream ${entry.server} failed: ${(error as Error)?.message ?? 'unknown error'}`)
    } finally {
      release()
      extra.signal.removeEventListener('abort', onCancel)
      this.#o.metrics.toolCallSeconds.observe((performance.now() - started) / 1000, { server: entry.server })
    }
  }

  /**
   * One audit row per call, decision and outcome together. Audit is not optional: if the row
   * cannot be written the caller gets an error, never a result nobody can account for.
   */
  async #audit(decision: RequestDecision, entry: CatalogueTool | undefined, verdict: Verdict, outcome: { name?: string; upstreamStatus?: string; latencyMs?: number; revokedAnchor?: string }): Promise<void> {
    const m = decision.principal.mandate
    const allowed = verdict.kind === 'allow'
    const reason = verdict.kind === 'allow' ? 'complete' : verdict.kind === 'approval' ? 'approval_required' : verdict.reason
    this.#o.metrics.toolCalls.inc({ server: entry?.server ?? '(unknown)', decision: allowed ? 'allow' : verdict.kind, reason: allowed ? 'complete' : reason })
    if (verdict.kind === 'allow') this.#o.metrics.cache.inc({ result: verdict.cacheHit ? 'hit' : 'miss' })
    const event: AuditEvent = {
      zoneId: m.zoneId,
      eventType: 'tool_call',
      requestId: decision.requestId,
      decision: allowed ? 'allow' : verdict.kind === 'approval' ? 'pending' : 'deny',
      evaluationStatus: reason,
      metadata: {
        application_id: m.clientId,
        subject: m.sub,
        ...(m.sessionId && { agent_session_id: m.sessionId }),
        ...(m.delegationId && { delegation_edge_id: m.delegationId, delegation_hop_count: m.hopCount }),
        ...(entry ? { server: entry.server, tool: entry.tool.name, group: entry.group, resource: entry.resource } : { tool: outcome.name ?? null }),
        ...(verdict.kind === 'allow' && { resource_session_id: verdict.mandate.verified.authorityRecordId, cache_hit: verdict.cacheHit }),
        ...(verdict.kind === 'approval' && { approval_id: verdict.approvalId }),
        ...(outcome.upstreamStatus && { upstream_status: outcome.upstreamStatus }),
        ...(outcome.latencyMs !== undefined && { latency_ms: Math.round(outcome.latencyMs * 1000) / 1000 }),
        ...(outcome.revokedAnchor && { revoked_anchor: outcome.revokedAnchor }),
      },
    }
    try {
      await this.#o.audit.record(event)
    } catch (error) {
      this.#o.log(`audit write failed for tool call ${decision.requestId}: ${(error as Error).message}`)
      throw new McpError(ErrorCode.InternalError, 'The call could not be audited; its result is withheld.')
    }
  }

  // Each session that listed tools is told when what it would see now differs from what it saw.
  #announceChanges(server: string): void {
    for (const session of this.#sessions.values()) {
      if (!session.shownGrants || !session.shownTools) continue
      if (session.endpoint.server !== undefined && session.endpoint.server !== server) continue
      const now = new Set(
        this.catalogue
          .tools(session.endpoint)
          .filter((t) => session.shownGrants!.has(grantKey(t)))
          .map((t) => this.catalogue.exposedName(session.endpoint, t)),
      )
      if (now.size === session.shownTools.size && [...now].every((n) => session.shownTools!.has(n))) continue
      void session.server.sendToolListChanged().catch(() => {})
    }
  }

  #closeIdle(): void {
    const cutoff = Date.now() - SESSION_IDLE_MS
    for (const session of [...this.#sessions.values()]) if (session.lastSeenAt < cutoff) this.sessionClosed(session)
  }
}

function leastRecentlySeen(sessions: Iterable<DownstreamSession>): DownstreamSession {
  let oldest: DownstreamSession | undefined
  for (const s of sessions) if (!oldest || s.lastSeenAt < oldest.lastSeenAt) oldest = s
  return oldest!
}

/** A deny is indistinguishable from a tool that does not exist: the catalogue cannot be probed. */
export function unknownTool(name: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Tool ${name} not found`)
}

function approvalResult(issuer: string, verdict: Extract<Verdict, { kind: 'approval' }>): CallToolResult {
  const url = `${issuer}/approvals/${verdict.approvalId}`
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text:
          `This call needs human approval (approval id ${verdict.approvalId}, open until ${new Date(verdict.expiresAt).toISOString()}). ` +
          `An operator approves it with: caracal-mcp approvals approve ${verdict.approvalId}. ` +
          `Its state: GET ${url}?wait=25. Once approved, call the tool again with the same arguments.`,
      },
    ],
    _meta: { 'io.modelcontextprotocol/authorization': { reason: 'insufficient_authorization', remediation: 'available', authorizationContextId: verdict.approvalId } },
  }
}

function cursorOf(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url')
}

function offsetOf(cursor: string): number {
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor')
  return Number(match[1])
}

/** `upstreamAuth.mode = header`: the credential read from the environment once, at start. */
function staticHeaders(protection: Readonly<Record<string, ServerProtection>>, env: NodeJS.ProcessEnv): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const [server, p] of Object.entries(protection)) {
    if (p.upstreamAuth.mode !== 'header') continue
    const value = env[p.upstreamAuth.fromEnv]
    if (!value) throw new TypeError(`protection.${server}.upstreamAuth.fromEnv: ${p.upstreamAuth.fromEnv} is not set`)
    out[server] = { [p.upstreamAuth.header]: p.upstreamAuth.scheme ? `${p.upstreamAuth.scheme} ${value}` : value }
  }
  return out
}
