// The proxy's uses reach an upstream without the SDK Client's Protocol (direct-requests.ts) but
// on the Client's connection. Against a real SDK server (in memory): results pass through as the
// server gave them, error answers keep code, message and data, timeouts and aborts fail the
// request and tell the server, progress keeps a request alive up to its total, a closed
// connection fails what waits, and the Client beside it works as before.
import { getEventListeners } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { ErrorCode, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { DirectRequests, type ResultShape } from '../../../src/proxy/direct-requests.js'
import { UpstreamResultError } from '../../../src/proxy/errors.js'
import { USES } from '../../../src/proxy/uses.js'

const TOOL = USES['tools/call'].result
const ANY: ResultShape = { accepts: (_value): _value is never => true, refusal: '' }

interface World {
  client: Client
  direct: DirectRequests
  /** Why each cancelled tool call was cancelled, as the server heard it. */
  cancelled: string[]
  /** Calls of `echo` the server received. */
  echoes: number
  errors: Error[]
  close(): Promise<void>
}

let world: World | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

async function start(): Promise<World> {
  const server = new McpServer({ name: 'direct-test', version: '1.0.0' })
  const cancelled: string[] = []
  let echoes = 0
  server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => {
    echoes++
    return { content: [{ type: 'text', text }], structuredContent: { text }, extra: { kept: true } } as never
  })
  // `count` progress reports and the result, back to back.
  server.registerTool('burst', { inputSchema: { count: z.number() } }, async ({ count }, extra) => {
    for (let i = 1; i <= count; i++) void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta!.progressToken!, progress: i, total: count } })
    return { content: [{ type: 'text', text: 'burst' }] }
  })
  server.registerTool('fail', {}, async () => {
    throw new McpError(-32042, 'needs a URL elicitation', { elicitations: [] })
  })
  // A result no tool may give (the McpServer would refuse to send it from a tool).
  server.server.setRequestHandler(z.object({ method: z.literal('test/malformed'), params: z.object({}).passthrough().optional() }), async () => ({ content: 'not a list' }) as never)
  // Waits `ms`, reporting progress every `every` ms when asked to.
  server.registerTool('slow', { inputSchema: { ms: z.number(), every: z.number().optional() } }, async ({ ms, every }, extra) => {
    const started = Date.now()
    let step = 0
    while (Date.now() - started < ms) {
      await new Promise((resolve) => setTimeout(resolve, every ?? 10))
      if (extra.signal.aborted) {
        cancelled.push(String(extra.signal.reason))
        return { content: [] }
      }
      if (every !== undefined && extra._meta?.progressToken !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: extra._meta.progressToken, progress: ++step } })
      }
    }
    return { content: [{ type: 'text', text: 'done' }] }
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const direct = new DirectRequests(clientSide)
  const client = new Client({ name: 'direct-test-client', version: '1.0.0' })
  const errors: Error[] = []
  await client.connect(direct)
  client.onerror = (error) => void errors.push(error)
  return {
    client,
    direct,
    cancelled,
    errors,
    get echoes() {
      return echoes
    },
    close: () => client.close(),
  }
}

const call = (name: string, args: Record<string, unknown> = {}) => ({ name, arguments: args })
/** A request leaves no listener on its signal once it is settled, however. */
const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length

describe('direct requests', () => {
  it('resolves with the result as the server gave it, beside the Client', async () => {
    world = await start()
    const { signal } = new AbortController()
    const [result, tools] = await Promise.all([world.direct.request('tools/call', call('echo', { text: 'hi' }), { signal, timeoutMs: 5000, result: TOOL }), world.client.listTools()])
    expect(result).toEqual({ content: [{ type: 'text', text: 'hi' }], structuredContent: { text: 'hi' }, extra: { kept: true } })
    expect(tools.tools.map((t) => t.name)).toContain('echo')
    expect(world.errors).toEqual([])
    expect(listeners(signal)).toBe(0)
  })

  it('fails with the error the server answered, code, message and data', async () => {
    world = await start()
    const error = await world.direct.request('test/unknown', {}, { signal: new AbortController().signal, timeoutMs: 5000, result: ANY }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(McpError)
    expect((error as McpError).code).toBe(ErrorCode.MethodNotFound)
    // (The SDK's server answers what a tool throws as a tool result, but for this code.)
    const withData = await world.direct.request('tools/call', call('fail'), { signal: new AbortController().signal, timeoutMs: 5000, result: ANY }).catch((e: unknown) => e)
    expect(withData).toBeInstanceOf(McpError)
    expect(withData).toMatchObject({ code: -32042, data: { elicitations: [] } })
    expect((withData as McpError).message).toContain('needs a URL elicitation')
  })

  it('refuses a result its shape does not accept', async () => {
    world = await start()
    await expect(world.direct.request('test/malformed', {}, { signal: new AbortController().signal, timeoutMs: 5000, result: TOOL })).rejects.toBeInstanceOf(UpstreamResultError)
  })

  it('times out without an answer, and tells the server', async () => {
    world = await start()
    const { signal } = new AbortController()
    const error = await world.direct.request('tools/call', call('slow', { ms: 2000 }), { signal, timeoutMs: 150, result: TOOL }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(McpError)
    expect((error as McpError).code).toBe(ErrorCode.RequestTimeout)
    expect(listeners(signal)).toBe(0)
    await expect.poll(() => world!.cancelled).toEqual([expect.stringContaining('Request timed out')])
  })

  it('is cancelled by its signal, the server told why', async () => {
    world = await start()
    const controller = new AbortController()
    const request = world.direct.request('tools/call', call('slow', { ms: 2000 }), { signal: controller.signal, timeoutMs: 5000, result: TOOL })
    setTimeout(() => controller.abort('changed my mind'), 100)
    await expect(request).rejects.toThrow('changed my mind')
    await expect.poll(() => world!.cancelled).toEqual(['changed my mind'])
    // An already aborted signal sends nothing.
    const aborted = AbortSignal.abort(new Error('before'))
    await expect(world.direct.request('tools/call', call('echo', { text: 'x' }), { signal: aborted, timeoutMs: 5000, result: TOOL })).rejects.toThrow('before')
    await world.direct.request('tools/call', call('echo', { text: 'after' }), { signal: new AbortController().signal, timeoutMs: 5000, result: TOOL })
    expect(world.echoes).toBe(1)
  })

  it('is kept alive by progress, which arrives in order before the result, up to its total', async () => {
    world = await start()
    const progress: Progress[] = []
    const result = await world.direct.request('tools/call', call('slow', { ms: 400, every: 50 }), { signal: new AbortController().signal, timeoutMs: 150, onprogress: (p) => progress.push(p), result: TOOL })
    expect(result).toEqual({ content: [{ type: 'text', text: 'done' }] })
    expect(progress.length).toBeGreaterThan(3)
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, i) => i + 1))
    expect(progress[0]).not.toHaveProperty('progressToken')

    const burst: number[] = []
    await world.direct.request('tools/call', call('burst', { count: 20 }), { signal: new AbortController().signal, timeoutMs: 5000, onprogress: (p) => burst.push(p.progress), result: TOOL })
    expect(burst).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))

    const error = await world.direct
      .request('tools/call', call('slow', { ms: 3000, every: 50 }), { signal: new AbortController().signal, timeoutMs: 150, maxTotalTimeoutMs: 300, onprogress: () => {}, result: TOOL })
      .catch((e: unknown) => e)
    expect((error as McpError).message).toContain('Maximum total timeout exceeded')
    await expect.poll(() => world!.cancelled).toEqual([expect.stringContaining('Maximum total timeout exceeded')])
  })

  it('fails what waits when the connection closes', async () => {
    world = await start()
    const { signal } = new AbortController()
    const request = world.direct.request('tools/call', call('slow', { ms: 2000 }), { signal, timeoutMs: 5000, result: TOOL })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await world.client.close()
    const error = await request.catch((e: unknown) => e)
    expect((error as McpError).code).toBe(ErrorCode.ConnectionClosed)
    expect(listeners(signal)).toBe(0)
  })
})
