// The proxy's HTTP surface: /mcp (every protected server, tools named <server>__<tool>) and
// /mcp/<server>, their Protected Resource Metadata, and the steps every request takes before the
// MCP transport sees it, in order: Host and Origin (DNS rebinding), the bearer (401 with a
// challenge naming the metadata), the body (one JSON-RPC message), the session (bound to the
// principal that opened it; anyone else's is unknown), and for lists and for every use of a
// governed thing the decision — so a fixable refusal is still an HTTP 403 before any stream has
// started.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js'
import { ErrorCode, McpError, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js'
import express, { type NextFunction, type Request, type Response } from 'express'
import { requestIdFrom } from '../http/index.js'
import { MandateError, extractBearer, type RevocationStore, type VerifiedMandate } from '../mandate/index.js'
import type { TokenExchange } from '../sts/index.js'
import { authInfoFor, type DirectExtra, type DownstreamSession, type RequestDecision, type UseRequest } from './downstream-session.js'
import { DirectReply } from './direct-reply.js'
import {
  EndpointNotFoundError,
  HostNotAllowedError,
  MethodNotAllowedError,
  NotAcceptableError,
  UnsupportedMediaTypeError,
  OriginNotAllowedError,
  PayloadTooLargeError,
  ProxyHttpError,
  ProxyUnavailableError,
  RequestInvalidError,
  ScopeInsufficientError,
  SessionRequiredError,
  SessionUnknownError,
  UnauthenticatedError,
} from './errors.js'
import type { McpProxy } from './proxy.js'
import {
  MCP_PATH,
  PRM_PREFIX,
  endpointOf,
  insufficientScopeChallenge,
  metadataUrl,
  protectedResourceMetadata,
  unauthenticatedChallenge,
  type Endpoint,
} from './resource-metadata.js'
import type { ProxyMetrics } from './proxy-metrics.js'
import { unauthenticatedOr, type Principal, type ToolCallAuthorizer, type Verdict } from './tool-call-authorizer.js'
import { checkStanding } from './standing.js'
import { traceFrom } from './trace-context.js'
import { visibleEntries } from './visibility.js'
import { USES, isUseMethod, useKind } from './uses.js'
import type { EntryKind } from './catalogue.js'

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

export interface FrontDoorDeps {
  proxy: McpProxy
  exchange: TokenExchange
  authorizer: ToolCallAuthorizer
  revocations: RevocationStore
  issuer: string
  /** The URL clients reach the proxy at (resource identifiers and metadata URLs are built on it). */
  publicBase: string
  /** Whether revocations are being followed; when not, every anchor reads as revoked, and that is answered 503, not 401. */
  revocationsHealthy?: () => boolean
  /** `host[:port]` values the Host header may carry; browsers' Origins must name one of them too. */
  allowedHosts: ReadonlySet<string>
  maxBodyBytes?: number
  onError?: (error: unknown, requestId: string) => void
  metrics?: ProxyMetrics
}

interface JsonRpcMessage {
  jsonrpc?: unknown
  id?: string | number
  method?: unknown
  params?: Record<string, unknown>
}

export interface FrontDoor {
  /** The MCP endpoints and their metadata, for the app. */
  router: express.Router
  /**
   * Serves a request to exactly /mcp or /mcp/<server> as the router would, without express: its
   * routing and request decoration cost every tool call ~14 KB of garbage and tens of µs. Any
   * other path (and any spelling express would also accept) is left to the app: false.
   */
  serveDirect(req: IncomingMessage, res: ServerResponse): boolean
}

export function createFrontDoor(deps: FrontDoorDeps): FrontDoor {
  const router = express.Router()
  const bodyLimit = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES

  const endpointFor = (server: string | undefined): Endpoint => {
    if (server !== undefined && !deps.proxy.catalogue.isProtected(server)) throw new EndpointNotFoundError()
    return endpointOf(server)
  }

  router.get(PRM_PREFIX + MCP_PATH, (_req, res) => res.json(protectedResourceMetadata(deps.publicBase, deps.issuer, endpointOf(undefined))))
  router.get(`${PRM_PREFIX}${MCP_PATH}/:server`, (req, res, next) => {
    try {
      res.json(protectedResourceMetadata(deps.publicBase, deps.issuer, endpointFor(req.params.server)))
    } catch (error) {
      next(error)
    }
  })

  const serve = async (req: IncomingMessage, res: ServerResponse, server: string | undefined): Promise<void> => {
    const requestId = requestIdFrom(req.headers['x-request-id'])
    res.setHeader('X-Request-Id', requestId)
    let endpoint: Endpoint | undefined
    try {
      endpoint = endpointFor(server)
      checkHostAndOrigin(req, deps.allowedHosts)
      if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') throw new MethodNotAllowedError()
      const principal = await authenticate(extractBearer(req.headers.authorization), deps)
      const body = req.method === 'POST' ? await parseBody(req, bodyLimit) : undefined
      if (body) checkPostHeaders(req, body)
      const session = await sessionFor(req, body, principal, endpoint, deps.proxy)
      // A revocation that arrived while the body was read found the session not yet standing on
      // this mandate: a mandate new to it is checked once more, in the turn it is added.
      if (!session.standsOn(principal.mandate)) await stillStanding(principal.mandate, deps)
      session.standOn(principal.mandate, Date.now())
      if (body && answeredDirectly(body, session, res)) return
      const decision = await decide(body, principal, endpoint, requestId, req.headers.traceparent, deps)
      if (decision.use?.request.method === 'tools/call') {
        await callDirectly(res, session, decision, deps.proxy)
        return
      }
      ;(req as IncomingMessage & { auth?: unknown }).auth = authInfoFor(decision)
      await session.transport.handleRequest(req as IncomingMessage & { auth?: ReturnType<typeof authInfoFor> }, res, body)
    } catch (error) {
      answerError(error, req, res, requestId, endpoint)
    }
  }

  /** A refusal as JSON with its status and challenge; past the headers, the connection is cut (as express's final handler does). */
  const answerError = (error: unknown, req: IncomingMessage, res: ServerResponse, requestId: string, endpoint: Endpoint | undefined): void => {
    if (res.headersSent) {
      req.socket.destroy()
      return
    }
    const known = error instanceof ProxyHttpError ? error : new ProxyUnavailableError({ cause: error })
    if (!(error instanceof ProxyHttpError) || known.status >= 500) deps.onError?.(error, requestId)
    deps.metrics?.refusals.inc({ status: String(known.status), code: known.code })
    const prm = metadataUrl(deps.publicBase, endpoint ?? endpointOf(undefined))
    if (known instanceof UnauthenticatedError) res.setHeader('WWW-Authenticate', unauthenticatedChallenge(known, prm))
    if (known instanceof ScopeInsufficientError) res.setHeader('WWW-Authenticate', insufficientScopeChallenge(known, prm))
    for (const [name, value] of Object.entries(known.headers())) res.setHeader(name, value)
    const body = JSON.stringify(known.body())
    res.writeHead(known.status, { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  }

  // Should even the answer to a failure fail, the connection is cut: no request hangs, no rejection goes unhandled.
  const serveSafely = (req: IncomingMessage, res: ServerResponse, server: string | undefined): void => {
    serve(req, res, server).catch(() => req.socket.destroy())
  }

  router.all(MCP_PATH, (req, res) => serveSafely(req, res, undefined))
  router.all(`${MCP_PATH}/:server`, (req, res) => serveSafely(req, res, req.params.server as string))
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    answerError(error, req, res, requestIdFrom(req.headers['x-request-id']), undefined)
  })

  const serveDirect = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? ''
    const query = url.indexOf('?')
    const path = query < 0 ? url : url.slice(0, query)
    if (path === MCP_PATH) {
      serveSafely(req, res, undefined)
      return true
    }
    const server = path.startsWith(`${MCP_PATH}/`) ? path.slice(MCP_PATH.length + 1) : ''
    // Only a plain name: anything to decode or any further segment is the router's to judge.
    if (server === '' || server.includes('/') || server.includes('%')) return false
    serveSafely(req, res, server)
    return true
  }
  return { router, serveDirect }
}

/** Host must be one we answer to; an Origin, when a browser sends one, too (MCP transport spec: 403). */
function checkHostAndOrigin(req: IncomingMessage, allowed: ReadonlySet<string>): void {
  const host = req.headers.host?.toLowerCase()
  if (!host || !allowed.has(host)) throw new HostNotAllowedError()
  const origin = req.headers.origin
  if (origin === undefined) return
  let originHost: string
  try {
    const url = new URL(origin)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OriginNotAllowedError()
    originHost = url.host.toLowerCase()
  } catch {
    throw new OriginNotAllowedError()
  }
  if (!allowed.has(originHost)) throw new OriginNotAllowedError()
}

/** The bearer as a principal: a verified agent (or unspent gateway) mandate whose authority stands now. */
async function authenticate(token: string | null, deps: FrontDoorDeps): Promise<Principal> {
  if (!token) throw new UnauthenticatedError(false)
  let mandate
  try {
    mandate = deps.exchange.verifyPresented(token)
  } catch (error) {
    const mapped = unauthenticatedOr(error)
    throw mapped instanceof UnauthenticatedError ? mapped : new ProxyUnavailableError({ cause: error })
  }
  // Without a live revocation feed nothing can be proven unrevoked: refused, as unavailable
  // rather than as a bad token, so clients retry instead of throwing their credentials away.
  if (deps.revocationsHealthy && !deps.revocationsHealthy()) throw new ProxyUnavailableError()
  await stillStanding(mandate, deps)
  return { token, mandate, key: [mandate.zoneId, mandate.clientId, mandate.sessionId ?? '', mandate.sub].join('\n') }
}

/** 401 when the mandate or anything of its path is revoked or expired; 503 when that cannot be told. */
async function stillStanding(mandate: VerifiedMandate, deps: FrontDoorDeps): Promise<void> {
  try {
    await checkStanding(mandate, deps.revocations, Date.now())
  } catch (error) {
    if (error instanceof MandateError) throw new UnauthenticatedError(true, error.detail ?? error.message)
    throw new ProxyUnavailableError({ cause: error })
  }
}

/** The body read whole (up to the limit) and parsed once: the transport is handed the parsed message. */
async function parseBody(req: IncomingMessage, limit: number): Promise<JsonRpcMessage> {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) throw new PayloadTooLargeError(limit)
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > limit) throw new PayloadTooLargeError(limit)
      chunks.push(chunk)
    }
  } catch (error) {
    // A client that broke off its upload is a bad request (nothing for the operator's error log), not the proxy failing.
    if (error instanceof PayloadTooLargeError) throw error
    throw new RequestInvalidError('Bad Request: the body ended before it was complete')
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'))
  } catch {
    throw new RequestInvalidError('Parse error: the body is not JSON', true)
  }
  // One message per POST: batches went away in protocol 2025-06-18, and one verdict per request keeps decisions unambiguous.
  if (Array.isArray(body)) throw new RequestInvalidError('JSON-RPC batches are not supported; send one message per request')
  if (typeof body !== 'object' || body === null) throw new RequestInvalidError('Invalid Request: expected one JSON-RPC message')
  return body as JsonRpcMessage
}

/**
 * A POST that only concerns a tool call answered directly: the client's answer to a request that
 * call made of it (routed to the call, 202), or a cancellation of it (the call is aborted; the
 * transport still sees the notification, which it ignores).
 */
function answeredDirectly(body: JsonRpcMessage, session: DownstreamSession, res: ServerResponse): boolean {
  const answer = body as JsonRpcMessage & { result?: unknown; error?: unknown }
  if (answer.method === undefined && typeof answer.id === 'string' && ('result' in answer || 'error' in answer)) {
    const pending = session.pendingClient.get(answer.id)
    if (pending) {
      pending.resolve(answer as Record<string, unknown>)
      res.writeHead(202).end()
      return true
    }
  }
  if (body.method === 'notifications/cancelled') {
    const requestId = (body.params as { requestId?: string | number } | undefined)?.requestId
    if (requestId !== undefined) session.directCalls.get(requestId)?.abort(new McpError(ErrorCode.ConnectionClosed, 'cancelled by the client'))
  }
  return false
}

/**
 * What the SDK's transport checks of a POST before it reads the message, checked here before
 * anything is decided: a request the transport would refuse must not mint, spend a gateway
 * mandate or open a hold first.
 */
function checkPostHeaders(req: IncomingMessage, body: JsonRpcMessage): void {
  const accept = req.headers.accept ?? ''
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) throw new NotAcceptableError()
  // The media type itself, as the SDK's transport parses it: `text/plain; x=application/json` is not JSON.
  if (!isJsonContentType(req.headers['content-type'])) throw new UnsupportedMediaTypeError()
  const version = req.headers['mcp-protocol-version']
  if (body.method !== 'initialize' && typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) throw new RequestInvalidError(`Bad Request: Unsupported protocol version: ${version}`)
}

/** A decided tools/call carried out and answered by the proxy itself (direct-reply.ts). */
async function callDirectly(res: ServerResponse, session: DownstreamSession, decision: RequestDecision, proxy: McpProxy): Promise<void> {
  const { rpcId, request } = decision.use!
  const reply = new DirectReply(res, rpcId, session.id!, session.pendingClient)
  // An id a call in flight holds is not taken over: its cancellation would reach the wrong call,
  // and the first call could no longer be cancelled at all (MCP: ids are not reused in a session).
  if (session.directCalls.has(rpcId)) return reply.error(new McpError(ErrorCode.InvalidRequest, `request id ${String(rpcId).slice(0, 100)} is in use by a call in flight`))
  const controller = new AbortController()
  session.directCalls.set(rpcId, controller)
  // A client that goes away has given up on the call: the upstream is told. ('close' also ends
  // every answered exchange: then there is nothing to abort, and no error is made for nothing.)
  const gone = () => controller.abort(new McpError(ErrorCode.ConnectionClosed, 'the client went away'))
  res.once('close', () => {
    if (!res.writableFinished) gone()
  })
  // Gone already, while the call was decided (before the listener above): nothing is forwarded.
  if (res.destroyed) gone()
  const capabilities = session.server.getClientCapabilities()
  const extra: DirectExtra = {
    signal: controller.signal,
    requestId: rpcId,
    sendNotification: (notification) => reply.notify(notification),
    sendRequest: (clientRequest, schema, options) => {
      const needs = clientRequest.method === 'sampling/createMessage' ? capabilities?.sampling : clientRequest.method === 'elicitation/create' ? capabilities?.elicitation : undefined
      if (!needs) throw new McpError(ErrorCode.MethodNotFound, `the client does not support ${clientRequest.method}`)
      return reply.request(clientRequest, schema as never, { signal: options?.signal ?? controller.signal }) as never
    },
  }
  try {
    const result = await proxy.use(session, decision, request, extra)
    if (controller.signal.aborted) reply.abandon()
    else reply.result(result)
  } catch (error) {
    if (controller.signal.aborted) reply.abandon()
    else reply.error(error)
  } finally {
    session.directCalls.delete(rpcId)
  }
}

async function sessionFor(req: IncomingMessage, body: JsonRpcMessage | undefined, principal: Principal, endpoint: Endpoint, proxy: McpProxy) {
  const header = req.headers['mcp-session-id']
  if (typeof header === 'string') {
    const session = proxy.session(header)
    // Another principal's session, or one of another endpoint, does not exist for this caller.
    if (!session || session.principalKey !== principal.key || session.endpoint.path !== endpoint.path) throw new SessionUnknownError()
    return session
  }
  if (header !== undefined) throw new RequestInvalidError('Bad Request: one Mcp-Session-Id header')
  if (body?.method === 'initialize') {
    const m = principal.mandate
    return proxy.openSession({ key: principal.key, applicationKey: `${m.zoneId}\n${m.clientId}` }, endpoint)
  }
  throw new SessionRequiredError()
}

function isDecidable(body: JsonRpcMessage | undefined): body is JsonRpcMessage & { id: string | number; method: string } {
  return body?.jsonrpc === '2.0' && typeof body.method === 'string' && (typeof body.id === 'string' || Number.isSafeInteger(body.id))
}

const LISTS: Record<string, EntryKind> = { 'tools/list': 'tool', 'prompts/list': 'prompt', 'resources/list': 'resource', 'resources/templates/list': 'template' }

async function decide(body: JsonRpcMessage | undefined, principal: Principal, endpoint: Endpoint, requestId: string, traceparent: unknown, deps: FrontDoorDeps): Promise<RequestDecision> {
  // The handlers never see the client's token: the decision carries the principal without it.
  const decision: RequestDecision = { principal: { ...principal, token: '' }, requestId }
  // Only a well-formed request is decided: anything else the transport refuses, and deciding it
  // first could mint, spend a gateway mandate or open a hold for nothing.
  if (!isDecidable(body)) return decision
  const { catalogue } = deps.proxy
  const params = body.params ?? {}
  const listed = LISTS[body.method]
  if (listed) decision.visible = visibleEntries(principal, catalogue.entries(endpoint, listed), deps.exchange)
  if (body.method === 'completion/complete') {
    // A completion reveals values of what it completes: it is shown only what could be granted.
    const ref = (params.ref ?? {}) as { type?: unknown; name?: unknown; uri?: unknown }
    const entry = ref.type === 'ref/prompt' && typeof ref.name === 'string' ? catalogue.resolve(endpoint, 'prompt', ref.name) : ref.type === 'ref/resource' && typeof ref.uri === 'string' ? catalogue.resolveUri(endpoint, ref.uri) : undefined
    const visible = entry !== undefined && visibleEntries(principal, [entry], deps.exchange).has(entry)
    decision.completion = { rpcId: body.id, entry, visible }
  }
  if (!isUseMethod(body.method)) return decision
  const method = body.method
  const valid = USES[method].requestSchema.safeParse(body)
  if (!valid.success) return decision
  const request = valid.data as UseRequest
  const name = USES[method].nameOf(request.params ?? {})
  const kind = useKind(method)
  const entry = kind === 'resource' ? catalogue.resolveUri(endpoint, name) : catalogue.resolve(endpoint, kind, name)
  const args = method === 'tools/call' ? ((request.params?.arguments as Record<string, unknown> | undefined) ?? {}) : {}
  let verdict: Verdict = { kind: 'deny', reason: 'unknown' }
  // A use continues the caller's trace; an HTTP caller says it in a header, any caller in _meta.
  decision.trace = traceFrom(traceparent ?? (request.params?._meta as Record<string, unknown> | undefined)?.traceparent)
  if (entry) {
    try {
      verdict = await deps.authorizer.authorize(principal, entry, args, requestId)
    } catch (error) {
      // Refused by a challenge or a failure rather than a verdict, the use is on record all the same.
      if (error instanceof ScopeInsufficientError || error instanceof UnauthenticatedError) await deps.proxy.recordRefusal(decision, method, entry, refusalReason(error))
      // A failure answers as itself (500 or 503) even when its row cannot be written: that write logs its own failure.
      else await deps.proxy.recordRefusal(decision, method, entry, 'internal_error').catch(() => {})
      throw error
    }
  }
  decision.use = { rpcId: body.id, request, entry, verdict }
  return decision
}

/** The audited reason of a use refused by an error: a 401 says why the authority no longer stands. */
function refusalReason(error: ScopeInsufficientError | UnauthenticatedError): string {
  if (error instanceof ScopeInsufficientError) return 'insufficient_scope'
  return error.detail ? `unauthenticated: ${error.detail}` : 'unauthenticated'
}
