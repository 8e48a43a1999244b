// The MCP proxy: the downstream sessions, the catalogue, the upstream connections, and what
// happens to a decided request. The front door (front-door.ts) authenticates and decides; this
// carries the decision out: lists what may be seen, forwards what is allowed with the resource
// mandate the upstream may receive (never the client's token), answers a deny exactly like
// something that does not exist, audits every use, relays what an upstream says to the session
// or call it belongs to, and cancels calls whose authority is revoked.
import {
  CompleteResultSchema,
  EmptyResultSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
  type LoggingLevel,
  type Result,
} from '@modelcontextprotocol/sdk/types.js'
import type { AuditLog } from '../audit/index.js'
import type { ServerProtection, UpstreamServer } from '../config/index.js'
import { SessionRevokedError, checkActiveAuthority, checkAnchors, type RevocationStore } from '../mandate/index.js'
import type { RevocationBus } from '../revocation/index.js'
import { Catalogue, type CatalogueEntry, type EntryKind } from './catalogue.js'
import { DownstreamSession, type DirectExtra, type HandlerExtra, type RequestDecision, type SessionHost, type UseRequest } from './downstream-session.js'
import { childSignal } from '../util/child-signal.js'
import { SessionClosedError, SessionLimitError } from './errors.js'
import { InFlightCalls, RevokedDuringCallError } from './in-flight.js'
import type { ResourceMandateCache } from './mandate-cache.js'
import type { ProxyMetrics } from './proxy-metrics.js'
import type { Endpoint } from './resource-metadata.js'
import type { Verdict } from './tool-call-authorizer.js'
import type { UpstreamConnection } from './upstream.js'
import { intoMeta, staticHeaders, upstreamContext, withoutOurMeta } from './upstream-context.js'
import { UpstreamMessages, type CallInFlight } from './upstream-messages.js'
import { subscriptionRefusal } from './subscriptions.js'
import { UpstreamPool } from './upstream-pool.js'
import { grantKey } from './visibility.js'
import { auditCompletion, auditUse, clip, type UseOutcome } from './use-audit.js'
import { USES, forwardedResult, useKind, type UseMethod } from './uses.js'
import { ApprovalPages, approvalNotice, type HoldStates } from './approval-notice.js'

export const LIST_PAGE_SIZE = 100
/**
 * Open sessions of one principal: beyond it the principal's least recently used session is closed
 * (its client gets 404 and initializes again, as the transport spec expects), so a client that
 * never sends DELETE cannot grow the proxy's memory without bound.
 */
export const MAX_SESSIONS_PER_PRINCIPAL = 64
/**
 * Open sessions of one application, and in all: beyond them a new session is refused (429), never
 * made room for by closing another principal's.
 */
export const MAX_SESSIONS_PER_APPLICATION = 1_000
export const MAX_SESSIONS = 10_000
/** For the proxy's own requests upstream that nothing cancels: they are bounded by their timeout alone. */
const NEVER_ABORTED = new AbortController().signal
/** A failed list of an upstream is tried again this many times, after this delay times the attempt. */
const REFRESH_RETRIES = 3
const REFRESH_RETRY_MS = 500
/** A session nobody used for this long is closed, with its upstream sessions. */
export const SESSION_IDLE_MS = 30 * 60 * 1000
/** How long a revoked session stays open after its last call was answered, for that answer to leave. */
const REVOKED_SESSION_GRACE_MS = 1000
/** The JSON-RPC error of a call cancelled because its authority was revoked. */
export const REVOKED_DURING_CALL = -32003
/** The JSON-RPC error of a prompt or resource use held for approval (a tool call gets a tool error). */
export const APPROVAL_REQUIRED = -32004
const LIST_KINDS: readonly EntryKind[] = ['tool', 'prompt', 'resource', 'template']

export interface McpProxyOptions {
  issuer: string
  servers: Readonly<Record<string, UpstreamServer>>
  protection: Readonly<Record<string, ServerProtection>>
  zoneOf: (server: string) => string
  configDir: string
  env: NodeJS.ProcessEnv
  audit: AuditLog
  /** Holds offered to a client as a page are followed to their decision. */
  approvals: HoldStates
  bus: RevocationBus
  /** What the bus filled: checked again once a call is registered, so no revocation slips between. */
  revocations: RevocationStore
  cache: ResourceMandateCache
  metrics: ProxyMetrics
  log: (line: string) => void
  /** Whether a session subscribed to a resource may hear of its update now (see visibility.ts). */
  hearsUpdate: (session: DownstreamSession, uri: string) => boolean
}

export class McpProxy implements SessionHost {
  readonly catalogue: Catalogue
  readonly #o: McpProxyOptions
  readonly #pool: UpstreamPool
  readonly #sessions = new Map<string, DownstreamSession>()
  readonly #byPrincipal = new Map<string, Set<DownstreamSession>>()
  readonly #perApplication = new Map<string, number>()
  readonly #inFlight = new InFlightCalls()
  readonly #approvalPages: ApprovalPages
  readonly #messages: UpstreamMessages
  readonly #levels = new WeakMap<DownstreamSession, LoggingLevel>()
  readonly #unsubscribe: () => void
  readonly #sweeper: NodeJS.Timeout
  readonly #refreshing = new Map<string, Promise<void>>()
  /** Lists to make once more after the one running (`kind server` → it). */
  readonly #listAgain = new Map<string, Promise<void>>()
  #closed = false

  constructor(options: McpProxyOptions) {
    this.#o = options
    this.#approvalPages = new ApprovalPages(options.approvals, options.log)
    this.catalogue = new Catalogue(options.protection, options.zoneOf, options.log)
    this.#messages = new UpstreamMessages({
      sessions: this.#sessions,
      levelOf: (s) => this.#levels.get(s),
      refresh: (server, kind) => void this.refresh(server, kind),
      hearsUpdate: options.hearsUpdate,
    })
    this.#pool = new UpstreamPool({
      servers: options.servers,
      protection: options.protection,
      configDir: options.configDir,
      staticHeaders: staticHeaders(options.protection, options.env),
      onConnected: (server) => {
        this.#messages.restarted(server)
        void Promise.all(LIST_KINDS.map((k) => this.refresh(server, k)))
      },
      eventsFor: (server, sessionId) => this.#messages.eventsFor(server, sessionId),
      log: options.log,
    })
    this.#unsubscribe = options.bus.subscribe((event) => {
      if (event.type !== 'anchors_revoked') return
      options.cache.revoke(event.anchors)
      const aborted = this.#inFlight.abort(event.anchors)
      if (aborted > 0) options.metrics.revokedCalls.inc(undefined, aborted)
      // A session opened under revoked authority ends too: its stream would otherwise go on
      // carrying updates and log messages to a principal that no longer holds anything.
      // The calls just cancelled answer first (on the session's own streams); then it closes.
      const revoked = new Set(event.anchors)
      const now = Date.now()
      for (const session of [...this.#sessions.values()]) {
        if (session.revoke(revoked, now)) continue
        session.closing = true
        if (session.callsInFlight === 0) this.sessionClosed(session)
      }
    })
    this.#sweeper = setInterval(() => this.#closeIdle(), 60_000).unref()
  }

  /** Connects every protected upstream and lists what it offers; an upstream that is down keeps retrying in the background. */
  async start(): Promise<void> {
    await this.#pool.start()
    await Promise.all([...this.#refreshing.values()])
  }

  /** Lists one kind of a server's offer again; sessions whose view of its tools changed are told. */
  refresh(server: string, kind: EntryKind, attempt = 0): Promise<void> {
    const key = `${kind} ${server}`
    const running = this.#refreshing.get(key)
    if (running) {
      // A change announced while a list is under way may have come after the upstream answered
      // it: one more list follows (one, however many changes arrive meanwhile).
      let again = this.#listAgain.get(key)
      if (!again) {
        again = running.then(() => {
          this.#listAgain.delete(key)
          return this.refresh(server, kind)
        })
        this.#listAgain.set(key, again)
      }
      return again
    }
    // Registered before it runs, and forgotten a turn after it settles: a list that ends at once
    // (nothing governed, or the upstream between restarts) must not leave itself behind as the
    // one still under way, which every later refresh would then wait on instead of listing.
    const refresh = Promise.resolve()
      .then(() => this.#relist(server, kind, attempt))
      .finally(() => {
        if (this.#refreshing.get(key) === refresh) this.#refreshing.delete(key)
      })
    this.#refreshing.set(key, refresh)
    return refresh
  }

  async #relist(server: string, kind: EntryKind, attempt: number): Promise<void> {
    try {
      const upstream = this.#pool.shared(server)
      if (!this.catalogue.governs(server, kind) || !upstream.offers(kind)) {
        this.catalogue.replace(server, kind, [])
        return
      }
      const items = await upstream.list(kind, this.#o.protection[server]!.timeouts.requestMs)
      if (this.catalogue.replace(server, kind, items)) this.#announceChanges(server, kind)
    } catch (error) {
      // Tried again a little later (a few times): a list that failed once, say while the
      // connection was still settling, would otherwise leave the offer empty until the next change.
      const retry = attempt < REFRESH_RETRIES && !this.#closed
      this.#o.log(`upstream ${server}: listing ${kind}s failed: ${(error as Error).message}${retry ? '; trying again' : ''}`)
      if (retry) setTimeout(() => void this.refresh(server, kind, attempt + 1), REFRESH_RETRY_MS * (attempt + 1)).unref()
    }
  }

  /** A session by its id; whose it is, the caller checks (a lookup alone keeps nothing alive). */
  session(id: string): DownstreamSession | undefined {
    return this.#sessions.get(id)
  }

  /** A new session, registered once its initialize succeeds; refused beyond the limits. */
  async openSession(principal: { key: string; applicationKey: string }, endpoint: Endpoint): Promise<DownstreamSession> {
    if (this.#sessions.size >= MAX_SESSIONS) throw new SessionLimitError('proxy')
    if ((this.#perApplication.get(principal.applicationKey) ?? 0) >= MAX_SESSIONS_PER_APPLICATION) throw new SessionLimitError('application')
    const session = new DownstreamSession(this, principal, endpoint, (s) => this.#register(s))
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

  sessionClosed(session: DownstreamSession): void {
    if (!this.#registered(session)) return
    this.#sessions.delete(session.id!)
    const mine = this.#byPrincipal.get(session.principalKey)
    mine?.delete(session)
    if (mine?.size === 0) this.#byPrincipal.delete(session.principalKey)
    const count = (this.#perApplication.get(session.applicationKey) ?? 1) - 1
    if (count > 0) this.#perApplication.set(session.applicationKey, count)
    else this.#perApplication.delete(session.applicationKey)
    this.#o.metrics.sessions.set(this.#sessions.size)
    this.#approvalPages.forget(session)
    void this.#pool.closeSession(session.id!)
    void session.close()
  }

  /** Whether the session is open here: initialized, and not closed since. */
  #registered(session: DownstreamSession): boolean {
    return session.id !== undefined && this.#sessions.get(session.id) === session
  }

  list(session: DownstreamSession, decision: RequestDecision | undefined, kind: EntryKind, cursor: string | undefined): Result {
    // The front door always decides a list; without a decision nothing is shown.
    const all = decision?.visible ? this.catalogue.entries(session.endpoint, kind).filter((e) => decision.visible!.has(e)) : []
    if (kind === 'tool') {
      session.shownGrants = new Set(all.map(grantKey))
      session.shownTools = new Set(all.map((t) => this.catalogue.exposedName(session.endpoint, t)))
    }
    const offset = cursor === undefined ? 0 : offsetOf(cursor)
    const page = all.slice(offset, offset + LIST_PAGE_SIZE).map((e) => this.catalogue.exposed(session.endpoint, e))
    const next = offset + LIST_PAGE_SIZE
    return { [LIST_FIELD[kind]]: page, ...(next < all.length && { nextCursor: cursorOf(next) }) }
  }

  async use(session: DownstreamSession, decision: RequestDecision | undefined, request: UseRequest, extra: DirectExtra): Promise<Result> {
    const method = request.method as UseMethod
    const name = USES[method].nameOf(request.params ?? {})
    // Stopping updates needs no authority: whatever the verdict, this session hears no more of them.
    if (method === 'resources/unsubscribe') session.subscriptions.delete(name)
    const use = decision?.use
    // Only a verdict the front door reached for this very request counts; anything else is a deny.
    if (!decision || !use || use.rpcId !== extra.requestId || !use.entry) {
      if (decision) await this.#audit(decision, method, undefined, use?.verdict ?? { kind: 'deny', reason: 'unknown' }, { name })
      throw notFound(method, name)
    }
    const { entry, verdict } = use
    if (verdict.kind === 'deny') {
      await this.#audit(decision, method, entry, verdict, {})
      throw notFound(method, name)
    }
    if (verdict.kind === 'unavailable') {
      await this.#audit(decision, method, entry, verdict, {})
      throw new McpError(ErrorCode.InternalError, 'Authorization is unavailable; the request was not forwarded. Try again later.')
    }
    if (verdict.kind === 'approval') {
      await this.#audit(decision, method, entry, verdict, {})
      const { text, meta } = approvalNotice(this.#o.issuer, verdict)
      if (method === 'tools/call') {
        this.#approvalPages.offer(session, this.#o.issuer, verdict, extra)
        return { isError: true, content: [{ type: 'text', text }], _meta: meta } satisfies CallToolResult
      }
      throw new McpError(APPROVAL_REQUIRED, text, { approval_id: verdict.approvalId })
    }
    const refusal = method === 'resources/subscribe' ? subscriptionRefusal(session.subscriptions, entry.name) : undefined
    if (refusal) {
      await this.#audit(decision, method, entry, { kind: 'deny', reason: 'subscription_limit' }, {})
      throw new McpError(ErrorCode.InvalidRequest, refusal)
    }
    // A shared upstream holds one subscription for every session: it ends with the last of them.
    if (method === 'resources/unsubscribe' && this.#pool.isShared(entry.server) && [...this.#sessions.values()].some((s) => s !== session && s.subscriptions.has(entry.name))) {
      await this.#audit(decision, method, entry, verdict, { upstreamStatus: 'not_forwarded' })
      return {}
    }
    const params: Record<string, unknown> = { ...request.params, ...(USES[method].renames && { name: entry.name }) }
    const result = await this.#forward(session, decision, method, entry, verdict, params, extra)
    if (method === 'resources/subscribe') session.subscriptions.set(entry.name, entry)
    if (method === 'resources/unsubscribe') session.subscriptions.delete(entry.name)
    return result
  }

  async complete(session: DownstreamSession, decision: RequestDecision | undefined, request: UseRequest, extra: HandlerExtra): Promise<Result> {
    const ref = (request.params?.ref ?? {}) as { type?: string; name?: string; uri?: string }
    const requested = String(ref.type === 'ref/prompt' ? ref.name : ref.uri)
    const use = decision?.completion
    const allowed = use !== undefined && use.rpcId === extra.requestId && use.entry !== undefined && use.visible
    if (decision) await auditCompletion(this.#o.audit, decision, use?.entry, requested, allowed, this.#o.log)
    if (!allowed) throw ref.type === 'ref/prompt' ? notFound('prompts/get', requested) : notFound('resources/read', requested)
    const entry = use.entry!
    const { _meta: meta, ...rest } = request.params ?? {}
    const params = { ...rest, ref: entry.kind === 'prompt' ? { ...ref, name: entry.name } : ref, ...(meta && { _meta: withoutOurMeta(meta) }) }
    const upstream = await this.#upstreamOf(session, entry.server)
    return upstream.request('completion/complete', params, CompleteResultSchema, { signal: extra.signal, timeoutMs: this.#o.protection[entry.server]!.timeouts.requestMs })
  }

  /** The level applies to what this session hears; upstreams of its own are told too. */
  async setLevel(session: DownstreamSession, level: LoggingLevel): Promise<Result> {
    this.#levels.set(session, level)
    await Promise.all(
      this.#pool.sessionConnections(session.id!).map((upstream) =>
        upstream.request('logging/setLevel', { level }, EmptyResultSchema, { signal: NEVER_ABORTED, timeoutMs: 10_000 }).catch(() => {}),
      ),
    )
    return {}
  }

  /** A refusal answered at the HTTP level (a scope challenge), audited like any other. */
  recordRefusal(decision: RequestDecision, method: UseMethod, entry: CatalogueEntry, reason: string): Promise<void> {
    return this.#audit(decision, method, entry, { kind: 'deny', reason }, {})
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#sweeper)
    this.#unsubscribe()
    this.#approvalPages.close()
    await Promise.all([...this.#sessions.values()].map((s) => s.close()))
    this.#sessions.clear()
    this.#byPrincipal.clear()
    this.#perApplication.clear()
    await this.#pool.close()
  }

  #register(session: DownstreamSession): void {
    this.#sessions.set(session.id!, session)
    // A revocation while its initialize was handled passed it by (it was not registered yet).
    const revoked = new Set(session.dependencies().filter((a) => this.#o.revocations.isRevoked(a) === true))
    if (revoked.size > 0 && !session.revoke(revoked, Date.now())) {
      session.closing = true
      setImmediate(() => this.sessionClosed(session))
    }
    let mine = this.#byPrincipal.get(session.principalKey)
    if (!mine) this.#byPrincipal.set(session.principalKey, (mine = new Set()))
    mine.add(session)
    this.#perApplication.set(session.applicationKey, (this.#perApplication.get(session.applicationKey) ?? 0) + 1)
    if (mine.size > MAX_SESSIONS_PER_PRINCIPAL) this.sessionClosed(leastRecentlySeen(mine))
    this.#o.metrics.sessions.set(this.#sessions.size)
  }

  async #forward(session: DownstreamSession, decision: RequestDecision, method: UseMethod, entry: CatalogueEntry, verdict: Extract<Verdict, { kind: 'allow' }>, params: Record<string, unknown>, extra: HandlerExtra): Promise<Result> {
    const started = performance.now()
    const protection = this.#o.protection[entry.server]!
    const { controller, release: unfollow } = childSignal(extra.signal)
    // The call depends on the caller's authority and, to an agent, on the delegation it was given.
    const anchors = verdict.hop ? [...verdict.mandate.anchors, ...verdict.hop.anchors] : verdict.mandate.anchors
    const release = this.#inFlight.add(anchors, controller)
    session.callsInFlight++
    // A revocation published between the decision and the registration above would be missed.
    await checkActiveAuthority(verdict.mandate.verified, this.#o.revocations, Date.now())
      .then(() => checkAnchors(anchors, this.#o.revocations))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) controller.abort(new RevokedDuringCallError(error instanceof SessionRevokedError ? error.anchor : 'revocation check failed'))
      })
    const { progressToken, ...meta } = withoutOurMeta((params._meta ?? {}) as Record<string, unknown>)
    let untrack: (() => void) | undefined
    const relayed: Promise<void>[] = []
    let outcome: UseOutcome = { upstreamStatus: 'ok' }
    try {
      // Revoked or cancelled before it went: nothing is sent, no upstream session is opened.
      controller.signal.throwIfAborted()
      const upstream = await this.#upstreamOf(session, entry.server)
      const call: CallInFlight = { session, extra }
      untrack = this.#messages.track(entry.server, upstream.kind === 'stdio' ? undefined : session.id, call)
      if (upstream.kind === 'stdio') this.#messages.servedBy(entry.server, decision.principal.mandate)
      const headers = upstreamContext(protection.upstreamAuth.mode === 'mandate' ? verdict.mandate.token : undefined, verdict.hop?.token, decision)
      // Over HTTP these are headers; a child on stdio has none, it reads them from _meta.
      if (upstream.kind === 'stdio') intoMeta(headers, meta)
      const { _meta: _dropped, ...rest } = params
      const result = await upstream.use(method, { ...rest, ...(Object.keys(meta).length > 0 && { _meta: meta }) }, USES[method].result, {
        signal: controller.signal,
        timeoutMs: protection.timeouts.requestMs,
        ...(upstream.kind !== 'stdio' && { headers, call }),
        // The upstream is given a progress token of the proxy's own; the client hears its own back.
        ...(progressToken !== undefined && {
          onprogress: (p) => void relayed.push(extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken: progressToken as string | number } }).catch(() => {})),
        }),
      })
      // Every progress relayed before the result must leave before it: after the result the
      // client has forgotten the token, and the stream of the request is closed.
      await Promise.all(relayed)
      if ((result as CallToolResult).isError === true) outcome = { upstreamStatus: 'tool_error' }
      await this.#audit(decision, method, entry, verdict, { ...outcome, latencyMs: performance.now() - started })
      return forwardedResult(method, result)
    } catch (error) {
      const revoked = controller.signal.reason instanceof RevokedDuringCallError ? controller.signal.reason : undefined
      outcome = {
        upstreamStatus: revoked ? 'revoked' : extra.signal.aborted ? 'cancelled' : error instanceof SessionClosedError ? 'not_forwarded' : error instanceof McpError && error.code === ErrorCode.RequestTimeout ? 'timeout' : 'error',
        ...(revoked && { revokedAnchor: revoked.anchor }),
      }
      await this.#audit(decision, method, entry, verdict, { ...outcome, latencyMs: performance.now() - started })
      if (revoked) throw new McpError(REVOKED_DURING_CALL, 'The authority of this call was revoked; the call was cancelled.')
      if (error instanceof McpError) throw error
      if (error instanceof SessionClosedError) throw new McpError(ErrorCode.ConnectionClosed, error.message)
      throw new McpError(ErrorCode.InternalError, `Upstream ${entry.server} failed: ${(error as Error)?.message ?? 'unknown error'}`)
    } finally {
      untrack?.()
      release()
      // Closed a moment later: the error of the cancelled call is still to be written to the
      // session's stream, after this returns.
      if (--session.callsInFlight === 0 && session.closing) setTimeout(() => this.sessionClosed(session), REVOKED_SESSION_GRACE_MS).unref()
      unfollow()
      this.#o.metrics.toolCallSeconds.observe((performance.now() - started) / 1000, { server: entry.server })
    }
  }

  #audit(decision: RequestDecision, method: UseMethod, entry: CatalogueEntry | undefined, verdict: Verdict, outcome: UseOutcome & { name?: string }): Promise<void> {
    const allowed = verdict.kind === 'allow'
    const reason = allowed ? 'complete' : verdict.kind === 'approval' ? 'approval_required' : verdict.reason
    this.#o.metrics.toolCalls.inc({ server: entry?.server ?? '(unknown)', decision: allowed ? 'allow' : verdict.kind, reason: allowed ? 'complete' : reason })
    if (verdict.kind === 'allow') this.#o.metrics.cache.inc({ result: verdict.cacheHit ? 'hit' : 'miss' })
    return auditUse(this.#o.audit, decision, method, entry, verdict, outcome, this.#o.log)
  }

  /**
   * The upstream connection a session's request goes through. A session closed while its request
   * was being decided gets none: the pool would open an upstream session for an id that nothing
   * closes any more. (Checked in the same turn as the pool registers an opening.)
   */
  #upstreamOf(session: DownstreamSession, server: string): Promise<UpstreamConnection> {
    if (session.closing || !this.#registered(session)) throw new SessionClosedError()
    return this.#pool.forSession(session.id!, server)
  }

  // Each session that listed tools is told when what it would see now differs from what it saw;
  // prompt and resource list changes are announced to every session of the endpoint.
  #announceChanges(server: string, kind: EntryKind): void {
    const nowMs = Date.now()
    for (const session of this.#sessions.values()) {
      if (session.endpoint.server !== undefined && session.endpoint.server !== server) continue
      if (session.authorizedUntil <= nowMs || session.closing) continue
      if (kind === 'prompt') void session.server.sendPromptListChanged().catch(() => {})
      if (kind === 'resource' || kind === 'template') void session.server.sendResourceListChanged().catch(() => {})
      if (kind !== 'tool' || !session.shownGrants || !session.shownTools) continue
      const now = new Set(
        this.catalogue
          .entries(session.endpoint, 'tool')
          .filter((t) => session.shownGrants!.has(grantKey(t)))
          .map((t) => this.catalogue.exposedName(session.endpoint, t)),
      )
      if (now.size === session.shownTools.size && [...now].every((n) => session.shownTools!.has(n))) continue
      void session.server.sendToolListChanged().catch(() => {})
    }
  }

  #closeIdle(): void {
    const now = Date.now()
    const cutoff = now - SESSION_IDLE_MS
    for (const session of [...this.#sessions.values()]) if (session.lastSeenAt < cutoff || session.authorizedUntil <= now) this.sessionClosed(session)
  }
}

const LIST_FIELD: Record<EntryKind, string> = { tool: 'tools', prompt: 'prompts', resource: 'resources', template: 'resourceTemplates' }

function leastRecentlySeen(sessions: Iterable<DownstreamSession>): DownstreamSession {
  let oldest: DownstreamSession | undefined
  for (const s of sessions) if (!oldest || s.lastSeenAt < oldest.lastSeenAt) oldest = s
  return oldest!
}

/**
 * A deny is indistinguishable from something that does not exist, answered as the SDK's own
 * server answers it: the catalogue cannot be probed.
 */
export function notFound(method: UseMethod, requested: string): McpError {
  // Echoed as the SDK does, but never at any length a client chose.
  const name = clip(requested)
  return useKind(method) === 'resource' ? new McpError(-32002, `Resource ${name} not found`) : new McpError(ErrorCode.InvalidParams, `${useKind(method) === 'tool' ? 'Tool' : 'Prompt'} ${name} not found`)
}

function cursorOf(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url')
}

function offsetOf(cursor: string): number {
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!match) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor')
  return Number(match[1])
}


