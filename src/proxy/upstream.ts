// One connection to an upstream MCP server through the SDK's Client: a supervised child process
// (stdio), Streamable HTTP, or legacy SSE. The proxy speaks to it with its own identity: no
// header of a downstream request ever reaches it, only what the configuration names and, per
// call, the resource mandate when the server verifies mandates itself.
import { AsyncLocalStorage } from 'node:async_hooks'
import { resolve as resolvePath } from 'node:path'
import { createInterface } from 'node:readline'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  CallToolResultSchema,
  ListToolsResultSchema,
  ToolListChangedNotificationSchema,
  type CallToolRequest,
  type CallToolResult,
  type Progress,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js'
import type { UpstreamServer } from '../config/index.js'
import { UpstreamUnavailableError } from './errors.js'

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
}

export interface UpstreamConnectionOptions {
  /** Relative stdio working directories resolve against this (the config file's directory). */
  configDir: string
  /** Headers every HTTP request carries besides the entry's own (a static credential). */
  staticHeaders?: Readonly<Record<string, string>>
  /** The upstream announced that its tools changed. */
  onToolsChanged?: () => void
  /** The connection ended without close() (a child exited, a session ended). */
  onLost?: (error: Error | undefined) => void
  log: (line: string) => void
}

// Per-call headers travel to the fetch of that call through the async context of the request:
// one connection serves concurrent calls under different mandates.
const callHeaders = new AsyncLocalStorage<Readonly<Record<string, string>>>()

/**
 * The SDK hands one connection-wide AbortSignal to every fetch; undici keeps a listener per
 * request on it until garbage collection, so a busy connection leaks listeners (and warns with
 * MaxListenersExceeded). Each request gets a signal of its own, tied to the connection's only
 * while the request and its response body are in flight.
 */
async function fetchPerRequest(url: string | URL, init?: RequestInit): Promise<Response> {
  const parent = init?.signal ?? undefined
  const controller = new AbortController()
  const onAbort = () => controller.abort(parent?.reason)
  if (parent?.aborted) controller.abort(parent.reason)
  else parent?.addEventListener('abort', onAbort, { once: true })
  const release = () => parent?.removeEventListener('abort', onAbort)
  const extra = callHeaders.getStore()
  let headers = init?.headers
  if (extra) {
    const merged = new Headers(init?.headers)
    for (const [name, value] of Object.entries(extra)) merged.set(name, value)
    headers = merged
  }
  let response: Response
  try {
    response = await fetch(url, { ...init, ...(headers && { headers }), signal: controller.signal })
  } catch (error) {
    release()
    throw error
  }
  if (!response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    release()
    return response
  }
  // A stream stays tied to the connection until it ends, so closing the connection stops it.
  const body = response.body.pipeThrough(new TransformStream({ flush: release }))
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

export class UpstreamConnection {
  readonly name: string
  readonly #spec: UpstreamServer
  readonly #options: UpstreamConnectionOptions
  #client: Client | undefined
  #closing = false

  constructor(name: string, spec: UpstreamServer, options: UpstreamConnectionOptions) {
    this.name = name
    this.#spec = spec
    this.#options = options
  }

  get kind(): 'stdio' | 'http' | 'sse' {
    return this.#spec.type ?? (this.#spec.command !== undefined ? 'stdio' : 'http')
  }

  get connected(): boolean {
    return this.#client !== undefined
  }

  async connect(timeoutMs: number): Promise<void> {
    const client = new Client(PROXY_CLIENT_INFO, { capabilities: {} })
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.#options.onToolsChanged?.())
    const transport = this.#transport()
    client.onclose = () => {
      const lost = this.#client === client && !this.#closing
      if (this.#client === client) this.#client = undefined
      if (lost) this.#options.onLost?.(undefined)
    }
    try {
      await client.connect(transport, { timeout: timeoutMs })
    } catch (error) {
      await client.close().catch(() => {})
      throw new UpstreamUnavailableError(this.name, (error as Error)?.message ?? String(error), { cause: error })
    }
    this.#client = client
  }

  /** Every page of the upstream's tools. */
  async listTools(timeoutMs: number): Promise<Tool[]> {
    const client = this.#live()
    const tools: Tool[] = []
    let cursor: string | undefined
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } }, ListToolsResultSchema, { timeout: timeoutMs })
      tools.push(...result.tools)
      cursor = result.nextCursor
      if (cursor === undefined) return tools
    }
    throw new UpstreamUnavailableError(this.name, `more than ${MAX_LIST_PAGES} pages of tools`)
  }

  /** One tools/call, its result passed through as the upstream gave it. */
  callTool(params: CallToolRequest['params'], options: UpstreamCallOptions): Promise<CallToolResult> {
    const client = this.#live()
    const send = () =>
      client.request({ method: 'tools/call', params }, CallToolResultSchema, {
        signal: options.signal,
        timeout: options.timeoutMs,
        ...(options.onprogress && { onprogress: options.onprogress, resetTimeoutOnProgress: true, maxTotalTimeout: options.timeoutMs * 10 }),
      })
    return options.headers ? callHeaders.run(options.headers, send) : send()
  }

  async close(): Promise<void> {
    this.#closing = true
    const client = this.#client
    this.#client = undefined
    if (!client) return
    // An HTTP upstream session is ended explicitly (DELETE), so the upstream frees it now.
    const transport = client.transport
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => {})
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
    const requestInit: RequestInit = { headers: { ...spec.headers, ...this.#options.staticHeaders } }
    const url = new URL(spec.url!)
    if (this.kind === 'sse') return new SSEClientTransport(url, { requestInit, fetch: fetchPerRequest })
    return new StreamableHTTPClientTransport(url, { requestInit, fetch: fetchPerRequest })
  }
}
