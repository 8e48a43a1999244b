// The stdio bridge's pipe: MCP over this process's stdin/stdout on one side (the client that
// launched it), the proxy's Streamable HTTP endpoint on the other. It works at the transport
// level, message for message, with no SDK Client or Server in between, so nothing is
// re-validated, renumbered or re-plumbed: progress, logs, server→client requests and their
// answers keep their ids and reach the other side unchanged. What it adds is the bearer on every
// HTTP request (from a BearerSource, current per request) and an answer for each request the
// proxy could not take, so the client is never left waiting.
import type { Readable, Writable } from 'node:stream'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ErrorCode, isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js'
import { fetchPerRequest } from '../http/index.js'

/** Where the agent mandate comes from; `renew` is asked after the proxy refused `rejected`. */
export interface BearerSource {
  current(): Promise<string>
  /** Whether a different mandate is now current (then the refused request is sent again). */
  renew(rejected: string): Promise<boolean>
}

export interface BridgeOptions {
  url: URL
  bearer: BearerSource
  warn: (line: string) => void
  input?: Readable
  output?: Writable
}

/** Pipes messages both ways until the client closes stdin (or a stop signal), then ends the HTTP session. */
export async function runStdioBridge(options: BridgeOptions): Promise<void> {
  const input = options.input ?? process.stdin
  const toClient = new StdioServerTransport(input, options.output ?? process.stdout)
  const toProxy = new StreamableHTTPClientTransport(options.url, { fetch: bearerFetch(options.bearer) })
  const describe = (error: unknown) => describeFailure(error, options.url)
  const initializing = new Set<RequestId>()

  let stopping = false
  toClient.onerror = (error) => options.warn(`stdio: ${error.message}`)
  // Every HTTP-side failure reaches onerror once (send also throws it, for the answer below);
  // the open streams aborted by our own close are no failure.
  toProxy.onerror = (error) => {
    if (!stopping) options.warn(describe(error))
  }
  toClient.onmessage = (message) => {
    if (isJSONRPCRequest(message) && message.method === 'initialize') initializing.add(message.id)
    toProxy.send(message).catch(async (error: unknown) => {
      if (!isJSONRPCRequest(message)) return
      initializing.delete(message.id)
      await toClient.send(failureAnswer(message.id, describe(error)))
    })
  }
  toProxy.onmessage = (message) => {
    learnProtocolVersion(toProxy, initializing, message)
    toClient.send(message).catch((error: unknown) => options.warn(`stdio: ${(error as Error).message}`))
  }

  await toProxy.start()
  await toClient.start()
  await untilStopped(input)
  // DELETE the MCP session so the proxy frees it now rather than when it idles out (onerror
  // reports a failure).
  await toProxy.terminateSession().catch(() => {})
  stopping = true
  await toProxy.close()
  await toClient.close()
}

/**
 * Without an SDK Client, nobody tells the HTTP transport the negotiated protocol version, which
 * it must then send as MCP-Protocol-Version on every later request: read it off the initialize
 * result on its way to the client (which sends nothing more before it has that result). The
 * session id needs no help: the transport takes it from the initialize response's header.
 */
function learnProtocolVersion(toProxy: StreamableHTTPClientTransport, initializing: Set<RequestId>, message: JSONRPCMessage): void {
  if (!isJSONRPCResultResponse(message) && !isJSONRPCErrorResponse(message)) return
  if (message.id === undefined || !initializing.delete(message.id)) return
  const version = isJSONRPCResultResponse(message) ? message.result.protocolVersion : undefined
  if (typeof version === 'string') toProxy.setProtocolVersion(version)
}

/** Resolves when the client closes our stdin (it quit or dropped the server) or we are told to stop. */
function untilStopped(input: Readable): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      input.off('end', stop)
      input.off('close', stop)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    input.once('end', stop)
    input.once('close', stop)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

function failureAnswer(id: RequestId, message: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id, error: { code: ErrorCode.InternalError, message } }
}

/** A BearerSource could not produce a mandate; its message says why, without secret or token. */
export class BearerUnavailableError extends Error {}

/** A request that never reached `what` (a URL, an endpoint's name): its message and the system's code. */
export function unreachable(what: string, error: unknown): BearerUnavailableError {
  const cause = (error as { cause?: { code?: string } }).cause?.code
  return new BearerUnavailableError(`cannot reach ${what}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`)
}

/** What the proxy said in an OAuth or Coordinator error body (`error`, `error_description`), as ", …", or nothing. */
export function reasonOf(json: unknown): string {
  const { error, error_description: description } = (json ?? {}) as { error?: unknown; error_description?: unknown }
  const reason = [error, description].filter((part) => typeof part === 'string').join(': ')
  return reason && `, ${reason}`
}

/** One line a person can act on; the bearer is never part of it (requests and errors do not carry it). */
export function describeFailure(error: unknown, url: URL): string {
  if (error instanceof BearerUnavailableError) return error.message
  if (error instanceof StreamableHTTPError) {
    const hint = STATUS_HINTS[error.code ?? 0] ?? ''
    return `the proxy at ${url.href} answered ${error.code === -1 ? 'with an unexpected content type' : `HTTP ${error.code}`}${hint && `: ${hint}`}${proxyReason(error.message)}`
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause
  const detail = cause?.code ?? cause?.message
  return `cannot reach the proxy at ${url.href}: ${(error as Error)?.message ?? error}${detail ? ` (${detail})` : ''}`
}

const STATUS_HINTS: Record<number, string> = {
  401: 'the agent mandate was refused (missing, expired or revoked)',
  403: 'the agent mandate lacks the authority this needs',
  404: 'no such endpoint, or the proxy no longer knows this MCP session (restarted?): restart this server in the MCP client',
}

/** The proxy's own words from an error body (JSON-RPC error or OAuth error), when it has some. */
function proxyReason(message: string): string {
  const body = /^Streamable HTTP error: [^:]*: (.*)$/s.exec(message)?.[1]
  if (!body) return ''
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; error_description?: unknown }
    const reason = typeof parsed.error === 'object' ? parsed.error?.message : (parsed.error_description ?? parsed.error)
    return typeof reason === 'string' ? ` (${reason.slice(0, 200)})` : ''
  } catch {
    return ''
  }
}

/**
 * The transport's fetch: sets Authorization from the bearer source on every request (so a
 * renewed mandate is used from the next request on, static requestInit headers could not do
 * that), and after a 401 asks the source for a different mandate and tries once more.
 */
export function bearerFetch(bearer: BearerSource): FetchLike {
  return async (url, init) => {
    const token = await bearer.current()
    const response = await fetchPerRequest(url, withBearer(init, token))
    if (response.status !== 401 || !(await bearer.renew(token))) return response
    await response.body?.cancel()
    return fetchPerRequest(url, withBearer(init, await bearer.current()))
  }
}

function withBearer(init: RequestInit | undefined, token: string): RequestInit {
  const headers = new Headers(init?.headers)
  headers.set('authorization', `Bearer ${token}`)
  return { ...init, headers }
}

