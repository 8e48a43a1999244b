// One MCP session a client opened at an endpoint: its own SDK Server and Streamable HTTP
// transport (one Server per session, as the SDK requires since 1.26), bound to the principal
// that opened it. Every request reaches its handlers already authenticated and, for lists and
// for every use of a governed thing, already decided by the front door; the handlers only carry
// the decision out, through the proxy that owns the session.
import { randomUUID } from 'node:crypto'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type LoggingLevel,
  type Result,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js'
import type { VerifiedMandate } from '../mandate/index.js'
import type { CatalogueEntry, EntryKind } from './catalogue.js'
import type { PendingClientRequest } from './direct-reply.js'
import type { Endpoint } from './resource-metadata.js'
import { dependencies } from './standing.js'
import type { Principal, Verdict } from './tool-call-authorizer.js'
import type { TraceContext } from './trace-context.js'
import { PROXY_CLIENT_INFO } from './upstream.js'

export type HandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>
/** What carrying out a use needs of its request's context: the SDK's, or the direct reply's (direct-reply.ts). */
export type DirectExtra = Pick<HandlerExtra, 'signal' | 'requestId' | 'sendNotification' | 'sendRequest'>

/** A request that uses one governed thing: a tool call, a prompt, a resource read or subscription. */
export interface UseRequest {
  method: string
  params?: Record<string, unknown> & { _meta?: Record<string, unknown> }
}

/** What the front door decided for one HTTP request, handed to the handlers through `req.auth`. */
export interface RequestDecision {
  principal: Principal
  requestId: string
  /** A use's place in its trace: what the upstream is told and the audit records. */
  trace?: TraceContext
  /** A list, or a completion: what this principal may see. */
  visible?: Set<CatalogueEntry>
  /** A use: the JSON-RPC id it was decided for, the request as validated, the entry (if it exists) and the verdict. */
  use?: { rpcId: string | number; request: UseRequest; entry: CatalogueEntry | undefined; verdict: Verdict }
  /** A completion: what it completes, and whether this principal could be granted that (nothing is minted for it). */
  completion?: { rpcId: string | number; entry: CatalogueEntry | undefined; visible: boolean }
}

/** What a session asks of the proxy it belongs to. */
export interface SessionHost {
  list(session: DownstreamSession, decision: RequestDecision | undefined, kind: EntryKind, cursor: string | undefined): Result
  use(session: DownstreamSession, decision: RequestDecision | undefined, request: UseRequest, extra: DirectExtra): Promise<Result>
  complete(session: DownstreamSession, decision: RequestDecision | undefined, request: UseRequest, extra: HandlerExtra): Promise<Result>
  setLevel(session: DownstreamSession, level: LoggingLevel): Promise<Result>
  sessionClosed(session: DownstreamSession): void
}

const DECISION = 'caracal'
/**
 * Mandates a session remembers standing on. A client that presents a new one per request (gateway
 * mandates) would otherwise grow the list without end; forgetting the soonest to expire only
 * makes a revocation close the session sooner (fail closed).
 */
const MAX_STANDING = 8

/**
 * Every session's Server shares one JSON Schema validator. The SDK would give each its own Ajv
 * instance, ~18 KiB of a session's ~31 KiB, for the one thing that uses it here: `elicitInput`,
 * which the proxy never calls (it relays elicitations and checks their results with zod). Shared,
 * nothing is compiled into it, so it does not grow.
 */
const SHARED_VALIDATOR = new AjvJsonSchemaValidator()

export function authInfoFor(decision: RequestDecision): AuthInfo {
  // The client's token stays in the front door: nothing past the transport needs it.
  return { token: '', clientId: decision.principal.mandate.clientId, scopes: [], expiresAt: decision.principal.mandate.expiresAt, extra: { [DECISION]: decision } }
}

function decisionOf(extra: HandlerExtra): RequestDecision | undefined {
  return extra.authInfo?.extra?.[DECISION] as RequestDecision | undefined
}

export class DownstreamSession {
  readonly principalKey: string
  /** Zone and application of the principal: sessions are limited per application. */
  readonly applicationKey: string
  readonly endpoint: Endpoint
  readonly server: Server
  readonly transport: StreamableHTTPServerTransport
  #id: string | undefined
  lastSeenAt = Date.now()
  /**
   * Epoch ms until which a mandate it was used with, and that still stands, is valid. Past it
   * nothing more is relayed to the session (a stream would otherwise outlive the authority that
   * opened it), and the sweeper closes it.
   */
  authorizedUntil = 0
  /** The mandates it was used with, by authority record: until when each is valid, and what revoking ends it (its anchors and, under a delegation, its path). */
  readonly #standing = new Map<string, { mandate: VerifiedMandate; untilMs: number; anchors: readonly string[] }>()
  /** The grants (resource and scopes) this session was last shown tools for: list_changed is re-filtered with them. */
  shownGrants: Set<string> | undefined
  /** The exposed names it was last shown. */
  shownTools: Set<string> | undefined
  /** Tool calls answered by the proxy itself (direct-reply.ts), by JSON-RPC id: a cancellation finds them here. */
  readonly directCalls = new Map<string | number, AbortController>()
  /** Requests to the client from those calls, awaiting the client's answer, by our id. */
  readonly pendingClient = new Map<string, PendingClientRequest>()
  /** Uses being forwarded now. */
  callsInFlight = 0
  /** Its authority was revoked: it closes once the calls in flight have answered. */
  closing = false
  /** Resource URIs it subscribed to, with what governs each: every update is checked against it again. */
  readonly subscriptions = new Map<string, CatalogueEntry>()

  constructor(host: SessionHost, principal: { key: string; applicationKey: string }, endpoint: Endpoint, onInitialized: (session: DownstreamSession) => void) {
    this.principalKey = principal.key
    this.applicationKey = principal.applicationKey
    this.endpoint = endpoint
    this.server = new Server(PROXY_CLIENT_INFO, {
      capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { subscribe: true, listChanged: true }, completions: {}, logging: {} },
      instructions: 'Tools, prompts and resources are authorized per use by caracal-mcp; what you may not use is not listed.',
      jsonSchemaValidator: SHARED_VALIDATOR,
    })
    const lists = [
      [ListToolsRequestSchema, 'tool'],
      [ListPromptsRequestSchema, 'prompt'],
      [ListResourcesRequestSchema, 'resource'],
      [ListResourceTemplatesRequestSchema, 'template'],
    ] as const
    for (const [schema, kind] of lists) {
      this.server.setRequestHandler(schema, (request, extra) => host.list(this, decisionOf(extra), kind, request.params?.cursor) as never)
    }
    for (const schema of [CallToolRequestSchema, GetPromptRequestSchema, ReadResourceRequestSchema, SubscribeRequestSchema, UnsubscribeRequestSchema]) {
      this.server.setRequestHandler(schema, (request, extra) => host.use(this, decisionOf(extra), request as UseRequest, extra) as never)
    }
    this.server.setRequestHandler(CompleteRequestSchema, (request, extra) => host.complete(this, decisionOf(extra), request as UseRequest, extra) as never)
    this.server.setRequestHandler(SetLevelRequestSchema, (request) => host.setLevel(this, request.params.level) as never)
    this.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.#id = id
        onInitialized(this)
      },
      onsessionclosed: () => host.sessionClosed(this),
    })
    this.server.onclose = () => host.sessionClosed(this)
  }

  /**
   * A request of its principal was authenticated with this mandate: the session stands on it
   * until it expires or a revocation reaches it. Every mandate counts, not only the one that
   * opened the session: a stream opened with a later one must end when that one is revoked.
   */
  standOn(mandate: VerifiedMandate, nowMs: number): void {
    this.lastSeenAt = nowMs
    if (this.#standing.has(mandate.authorityRecordId)) return
    for (const [record, standing] of this.#standing) if (standing.untilMs <= nowMs) this.#standing.delete(record)
    if (this.#standing.size >= MAX_STANDING) {
      const soonest = [...this.#standing].reduce((a, b) => (b[1].untilMs < a[1].untilMs ? b : a))
      this.#standing.delete(soonest[0])
    }
    this.#standing.set(mandate.authorityRecordId, { mandate, untilMs: mandate.expiresAt * 1000, anchors: dependencies(mandate) })
    this.authorizedUntil = Math.max(this.authorizedUntil, mandate.expiresAt * 1000)
  }

  /** Of the mandates it stands on, the one valid longest, unless none is valid now. */
  freshestMandate(nowMs: number): VerifiedMandate | undefined {
    let freshest: { mandate: VerifiedMandate; untilMs: number } | undefined
    for (const standing of this.#standing.values()) if (standing.untilMs > nowMs && (!freshest || standing.untilMs > freshest.untilMs)) freshest = standing
    return freshest?.mandate
  }

  /** Whether it already stands on this mandate (then a revocation of it reaches the session). */
  standsOn(mandate: VerifiedMandate): boolean {
    return this.#standing.has(mandate.authorityRecordId)
  }

  /** Everything a revocation of which reaches a mandate it stands on. */
  dependencies(): string[] {
    return [...new Set([...this.#standing.values()].flatMap((s) => s.anchors))]
  }

  /**
   * Forgets the mandates a revocation reached. False when it reached one and none left stands
   * valid now: the session must close. (One it did not reach is the sweeper's, when expired.)
   */
  revoke(revoked: ReadonlySet<string>, nowMs: number): boolean {
    let reached = false
    for (const [record, standing] of this.#standing) {
      if (standing.anchors.some((a) => revoked.has(a))) {
        this.#standing.delete(record)
        reached = true
      }
    }
    if (!reached) return true
    this.authorizedUntil = Math.max(0, ...[...this.#standing.values()].map((s) => s.untilMs))
    return this.authorizedUntil > nowMs
  }

  /** Set once initialize succeeded. */
  get id(): string | undefined {
    return this.#id
  }

  async connect(): Promise<void> {
    await this.server.connect(this.transport)
  }

  async close(): Promise<void> {
    await this.server.close().catch(() => {})
  }
}
