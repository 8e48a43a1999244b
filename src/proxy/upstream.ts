// One connection to an upstream MCP server through the SDK's Client: a supervised child process
// (stdio), Streamable HTTP, or legacy SSE. The proxy speaks to it with its own identity: no
// header of a downstream request ever reaches it, only what the configuration names and, per
// call, the resource mandate when the server verifies mandates itself.
import type { Agent as HttpAgent } from 'node:http'
import { resolve as resolvePath } from 'node:path'
import { createInterface } from 'node:readline'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  CreateMessageRequestSchema,
  ErrorCode,
  McpError,
  ElicitRequestSchema,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ListToolsResultSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
  type Progress,
  type Result,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js'
import type { z } from 'zod'
import { upstreamKind, type UpstreamServer } from '../config/index.js'
import { childSignal } from '../util/child-signal.js'
import type { EntryKind } from './catalogue.js'
import { DirectRequests, type ResultShape } from './direct-requests.js'
import { UpstreamUnavailableError } from './errors.js'
import { HttpClientTransport } from './http-client-transport.js'
import { LegacySseTransport } from './legacy-sse-transport.js'
import { OrderedDelivery } from './ordered-delivery.js'

export const PROXY_CLIENT_INFO = { name: 'caracal-mcp', version: '0.1.0' } as const
/** At most this many pages of one upstream's tools list: a server that pages forever is cut off. */
const MAX_LIST_PAGES = 100
const STDERR_LINE_MAX = 2000

export interface UpstreamCallOptions {
  signal: AbortSignal
  timeoutMs: number
  onprogress?: (progress: Progress) => void
  /** Headers of this one HTTP request (the resource mandate in `mandate` mode). */
  headers?: Readonly<Record<string, string>>
  /**
   * The proxy's call this request serves. Over Streamable HTTP, a request the upstream sends the
   * client on this request's own stream is attributed to it (`UpstreamEvents.request`).
   */
  call?: object
}

/** What an upstream says on its own, for the proxy to route to the right downstream session or call. */
export interface UpstreamEvents {
  /** It announced that its tools, prompts or resources changed. */
  listChanged?: (kind: EntryKind) => void
  /** A log message or a resource update. */
  notification?: (notification: ServerNotification) => void
  /**
   * A request to the client (sampling, elicitation), answered by the downstream client that caused
   * it: `call` is the `UpstreamCallOptions.call` of the request on whose stream it came, when known.
   */
  request?: (request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal, call: object | undefined) => Promise<Result>
}

export interface UpstreamConnectionOptions {
  /** Relative stdio working directories resolve against this (the config file's directory). */
  configDir: string
  /** Headers every HTTP request carries besides the entry's own (a static credential). */
  staticHeaders?: Readonly<Record<string, string>>
  /** Keep-alive sockets shared by every connection to this upstream. */
  agent?: HttpAgent
  /** An HTTP request of this connection gets no longer than this before it is abandoned. */
  timeoutMs?: number
  events?: UpstreamEvents
  /** The connection ended without close() (a child exited, a session ended). */
  onLost?: (error: Error | undefined) => void
  log: (line: string) => void
}

/** What one call's request carries to the transport's send of it: one connection serves concurrent calls under different mandates. */
interface CallContext {
  headers?: Readonly<Record<string, string>>
  call?: object
}

// The SDK's Client (and DirectRequests, for uses) hands a request to its transport's send()
// synchronously, inside request(), and both our transports read the call's context first thing
// in send(): a variable set around request() carries it. Not an AsyncLocalStorage: on Node 20
// its first run() turns on promise hooks for the whole process, for good, and every promise of
// every request then pays for them (~7 KB of garbage per proxied call).
let sending: CallContext | undefined

function sendingWith<T>(context: CallContext, send: () => T): T {
  const outer = sending
  sending = context
  try {
    return send()
  } finally {
    sending = outer
  }
}

const LISTS: Record<EntryKind, { method: string; schema: z.ZodType<Result>; field: string }> = {
  tool: { method: 'tools/list', schema: ListToolsResultSchema, field: 'tools' },
  prompt: { method: 'prompts/list', schema: ListPromptsResultSchema, field: 'prompts' },
  resource: { method: 'resources/list', schema: ListResourcesResultSchema, field: 'resources' },
  template: { method: 'resources/templates/list', schema: ListResourceTemplatesResultSchema, field: 'resourceTemplates' },
}

export class UpstreamConnection {
  readonly name: string
  readonly #spec: UpstreamServer
  readonly #options: UpstreamConnectionOptions
  #client: Client | undefined
  /** The uses' way to the upstream, beside the Client's, on the same transport. */
  #direct: DirectRequests | undefined
  /** The Client of a connect under way. */
  #connecting: Client | undefined
  #closing = false

  constructor(name: string, spec: UpstreamServer, options: UpstreamConnectionOptions) {
    this.name = name
    this.#spec = spec
    this.#options = options
  }

  get kind(): 'stdio' | 'http' | 'sse' {
    return upstreamKind(this.#spec)
  }

  get connected(): boolean {
    return this.#client !== undefined
  }

  async connect(timeoutMs: number): Promise<void> {
    if (this.#closing) throw new UpstreamUnavailableError(this.name, 'closed')
    // Sampling and elicitation are offered upstream because downstream clients may offer them; a
    // request is relayed to the client whose call caused it, or refused when none can be named.
    const client = new Client(PROXY_CLIENT_INFO, { capabilities: { sampling: {}, elicitation: { form: {}, url: {} } } })
    const events = this.#options.events ?? {}
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => events.listChanged?.('tool'))
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => events.listChanged?.('prompt'))
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => events.listChanged?.('resource'))
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => events.notification?.(n))
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => events.notification?.(n))
    for (const schema of [CreateMessageRequestSchema, ElicitRequestSchema]) {
      client.setRequestHandler(schema, (request, extra) => {
        if (!events.request) throw new McpError(ErrorCode.MethodNotFound, `${request.method} is not relayed by this proxy`)
        return events.request(request, extra.signal, http?.callOfServerRequest(extra.requestId)) as never
      })
    }
    const inner = this.#transport()
    const http = inner instanceof HttpClientTransport ? inner : undefined
    const transport = new DirectRequests(new OrderedDelivery(inner))
    client.onclose = () => {
      const lost = this.#client === client && !this.#closing
      if (this.#client === client) {
        this.#client = undefined
        this.#direct = undefined
      }
      if (lost) this.#options.onLost?.(undefined)
    }
    this.#connecting = client
    try {
      await client.connect(transport, { timeout: timeoutMs })
    } catch (error) {
      await client.close().catch(() => {})
      throw new UpstreamUnavailableError(this.name, (error as Error)?.message ?? String(error), { cause: error })
    } finally {
      this.#connecting = undefined
    }
    // Closed while it connected (shutdown during start or a restart): a child must not outlive it.
    if (this.#closing) {
      await client.close().catch(() => {})
      throw new UpstreamUnavailableError(this.name, 'closed while connecting')
    }
    this.#client = client
    this.#direct = transport
  }

  /** Whether the upstream offers this kind at all (its capabilities). */
  offers(kind: EntryKind): boolean {
    const capabilities = this.#client?.getServerCapabilities()
    return Boolean(kind === 'tool' ? capabilities?.tools : kind === 'prompt' ? capabilities?.prompts : capabilities?.resources)
  }

  /** Every page of the upstream's list of one kind. */
  async list(kind: EntryKind, timeoutMs: number): Promise<Record<string, unknown>[]> {
    const client = this.#live()
    const { method, schema, field } = LISTS[kind]
    const items: Record<string, unknown>[] = []
    let cursor: string | undefined
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = (await client.request({ method, params: cursor === undefined ? {} : { cursor } }, schema, { timeout: timeoutMs })) as { nextCursor?: string } & Record<string, unknown>
      items.push(...(result[field] as Record<string, unknown>[]))
      cursor = result.nextCursor
      if (cursor === undefined) return items
    }
    throw new UpstreamUnavailableError(this.name, `more than ${MAX_LIST_PAGES} pages of ${method}`)
  }

  /** One request of the proxy's own (a completion, a log level), its result validated by `schema`. */
  async request<S extends z.ZodType<Result>>(method: string, params: Record<string, unknown> | undefined, schema: S, options: Omit<UpstreamCallOptions, 'onprogress'>): Promise<z.infer<S>> {
    const client = this.#live()
    // The SDK's Client never takes its listener off the signal it is given: an abort after the
    // answer (the caller's session closing, a timeout signal firing) would still send the
    // upstream a cancellation of a request it has answered. It gets a signal of the request's own,
    // which the caller's aborts only while the request is open.
    const { controller, release } = childSignal(options.signal)
    const requestOptions: RequestOptions = { signal: controller.signal, timeout: options.timeoutMs }
    try {
      return await this.#sending(options, () => client.request({ method, ...(params && { params }) } as never, schema as never, requestOptions) as Promise<z.infer<S>>)
    } finally {
      release()
    }
  }

  /** A use (tools/call and the like), its result passed on as the upstream gave it once `result` accepts it. */
  use(method: string, params: Record<string, unknown>, result: ResultShape, options: UpstreamCallOptions): Promise<Result> {
    const direct = this.#direct
    if (!this.#client || !direct) throw new UpstreamUnavailableError(this.name, 'not connected')
    const { signal, timeoutMs, onprogress } = options
    return this.#sending(options, () => direct.request(method, params, { signal, timeoutMs, result, ...(onprogress && { onprogress }) }))
  }

  /** Sends with the call's context (its headers, its call) where the transport reads it. */
  #sending<T>(options: Pick<UpstreamCallOptions, 'headers' | 'call'>, send: () => T): T {
    if (!options.headers && !options.call) return send()
    const context: CallContext = { ...(options.headers && { headers: options.headers }), ...(options.call && { call: options.call }) }
    return sendingWith(context, send)
  }

  /** A notification to the upstream (a cancellation is sent by the SDK's Client or DirectRequests itself). */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    await this.#live().notification({ method, ...(params && { params }) } as never)
  }

  async close(): Promise<void> {
    this.#closing = true
    // A connect under way is cut short: its child is stopped now, not when initialize answers.
    await this.#connecting?.close().catch(() => {})
    const client = this.#client
    this.#client = undefined
    if (!client) return
    // An HTTP upstream session is ended explicitly (DELETE), so the upstream frees it now.
    const inner = this.#direct?.inner instanceof OrderedDelivery ? this.#direct.inner.inner : undefined
    this.#direct = undefined
    if (inner instanceof HttpClientTransport) await inner.terminateSession().catch(() => {})
    await client.close().catch(() => {})
  }

  #live(): Client {
    if (!this.#client) throw new UpstreamUnavailableError(this.name, 'not connected')
    return this.#client
  }

  #transport(): Transport {
    const spec = this.#spec
    if (this.kind === 'stdio') {
      const transport = new StdioClientTransport({
        command: spec.command!,
        ...(spec.args && { args: spec.args }),
        // The child gets a small safe environment plus its own entries, never the proxy's secrets.
        env: { ...getDefaultEnvironment(), ...spec.env },
        cwd: resolvePath(this.#options.configDir, spec.cwd ?? '.'),
        stderr: 'pipe',
      })
      const stderr = transport.stderr
      if (stderr) {
        createInterface({ input: stderr as unknown as NodeJS.ReadableStream }).on('line', (line) => this.#options.log(`upstream ${this.name}: ${line.slice(0, STDERR_LINE_MAX)}`))
      }
      return transport
    }
    const headers = { ...spec.headers, ...this.#options.staticHeaders }
    const url = new URL(spec.url!)
    if (this.kind === 'sse') {
      return new LegacySseTransport(url, { headers, callHeaders: () => sending?.headers, ...(this.#options.timeoutMs !== undefined && { timeoutMs: this.#options.timeoutMs }) })
    }
    return new HttpClientTransport(url, {
      headers,
      callHeaders: () => sending?.headers,
      callOf: () => sending?.call,
      ...(this.#options.agent && { agent: this.#options.agent }),
      ...(this.#options.timeoutMs !== undefined && { timeoutMs: this.#options.timeoutMs }),
    })
  }
}
