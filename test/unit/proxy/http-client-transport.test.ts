// The proxy's Streamable HTTP client against a scripted server on loopback: a request the server
// sends on the event stream of one of ours is attributed to the call that sent ours, and to no
// other; to no call at all when ours had none (any more); asked once; unknown when it came on no
// stream of ours. And the protocol's edges: a polled answer stream is resumed as often as the
// server closes it, a tool call is never sent twice, DELETE and a GET stream refused for a while
// do not hold the connection up, the GET stream is resumed from its last event (afresh when the
// server cannot), a session gone while a stream is resumed closes the connection, an answer that
// cannot come fails its request at once, the answer stream of a request cancelled before it began
// is not resumed, and event streams are parsed as the SSE spec says.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { HttpClientTransport, NO_CALL } from '../../../src/proxy/http-client-transport.js'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/**
 * Answers each POSTed request with an event stream: a request to the client named after ours, then
 * our result. A request with `params.hold` gets its stream opened at once but written only once
 * the client has cancelled it.
 */
async function scriptedServer(): Promise<URL> {
  const held = new Map<string | number, () => void>()
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const message = JSON.parse(body) as { id?: number | string; method: string; params?: { hold?: boolean; requestId?: string | number } }
      if (message.id === undefined) {
        if (message.method === 'notifications/cancelled') held.get(message.params!.requestId!)?.()
        return void res.writeHead(202).end()
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.flushHeaders()
      const write = () => {
        res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: `asks-${message.id}`, method: 'sampling/createMessage', params: {} })}\n\n`)
        res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} })}\n\n`)
      }
      if (message.params?.hold) held.set(message.id, write)
      else write()
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/mcp`)
}

type Message = { id?: number | string; method?: string; params?: Record<string, unknown> }

/** A server answering as `handle` says; the body, if any, parsed. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, message: Message | undefined) => void): Promise<URL> {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => handle(req, res, body === '' ? undefined : (JSON.parse(body) as Message)))
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return new URL(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/mcp`)
}

const answer = (id: number | string | undefined, result: Record<string, unknown> = {}) => JSON.stringify({ jsonrpc: '2.0', id, result })

/** A transport whose messages and errors are collected. */
function collecting(url: URL, timeoutMs?: number) {
  const transport = new HttpClientTransport(url, timeoutMs === undefined ? {} : { timeoutMs })
  const received: JSONRPCMessage[] = []
  const errors: string[] = []
  transport.onmessage = (m) => void received.push(m)
  transport.onerror = (e) => void errors.push(e.message)
  return { transport, received, errors }
}

describe('HttpClientTransport', () => {
  it('attributes a request from the server to the call on whose stream it came', async () => {
    let current: object | undefined
    const transport = new HttpClientTransport(await scriptedServer(), { callOf: () => current })
    const received: JSONRPCMessage[] = []
    transport.onmessage = (m) => void received.push(m)
    const [first, second] = [{ call: 1 }, { call: 2 }]
    current = first
    const sentFirst = transport.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} })
    current = second
    const sentSecond = transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: {} })
    current = undefined
    const sentUnowned = transport.send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: {} })
    await Promise.all([sentFirst, sentSecond, sentUnowned])
    await vi.waitFor(() => expect(received).toHaveLength(6))
    expect(transport.callOfServerRequest('asks-2')).toBe(second)
    expect(transport.callOfServerRequest('asks-1')).toBe(first)
    // Asked once; a request of ours sent outside any call belongs to none, not to whichever is alone.
    expect(transport.callOfServerRequest('asks-1')).toBeUndefined()
    expect(transport.callOfServerRequest('asks-3')).toBe(NO_CALL)
    // Never on a stream of ours: unknown.
    expect(transport.callOfServerRequest('from-the-get-stream')).toBeUndefined()
    await transport.close()
  })

  it('attributes what comes on the stream of a cancelled request to no call', async () => {
    let current: object | undefined
    const transport = new HttpClientTransport(await scriptedServer(), { callOf: () => current })
    const received: JSONRPCMessage[] = []
    transport.onmessage = (m) => void received.push(m)
    current = { call: 4 }
    await transport.send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { hold: true } })
    current = undefined
    await transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 4 } })
    await vi.waitFor(() => expect(received).toHaveLength(2))
    expect(transport.callOfServerRequest('asks-4')).toBe(NO_CALL)
    await transport.close()
  })

  it('resumes an answer stream as often as the server closes it, after the delay it asked for', async () => {
    const resumedFrom: (string | undefined)[] = []
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      // The SDK server's polling: a priming event with an id and a retry delay, then the stream
      // is closed; resumed streams bring no priming event, the first is closed again at once.
      if (req.method === 'POST') return void res.end('id: e1\nretry: 20\ndata: \n\n')
      resumedFrom.push(req.headers['last-event-id'] as string | undefined)
      if (resumedFrom.length === 1) return void res.end()
      res.end(`id: e2\ndata: ${answer(7, { polled: true })}\n\n`)
    })
    const { transport, received, errors } = collecting(url, 2000)
    const started = Date.now()
    await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: {} })
    // Well before the default delay of a second: the server's 20 ms are remembered across resumptions.
    await vi.waitFor(() => expect(received).toEqual([{ jsonrpc: '2.0', id: 7, result: { polled: true } }]), { timeout: 800 })
    expect(Date.now() - started).toBeLessThan(800)
    expect(resumedFrom).toEqual(['e1', 'e1'])
    expect(errors).toEqual([])
    await transport.close()
  })

  it('does not resume the answer stream of a request cancelled before its answer began', async () => {
    const resumedFrom: (string | undefined)[] = []
    let answerHeld: (() => void) | undefined
    const url = await serve((req, res, message) => {
      if (req.method === 'GET') {
        resumedFrom.push(req.headers['last-event-id'] as string | undefined)
        return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end()
      }
      if (message?.method === 'notifications/cancelled') {
        res.writeHead(202).end()
        return answerHeld?.()
      }
      // The call's answer stream begins only once the cancellation has arrived: a priming event, then closed (polling).
      answerHeld = () => res.writeHead(200, { 'content-type': 'text/event-stream' }).end('id: e1\nretry: 20\ndata: \n\n')
    })
    const { transport } = collecting(url, 2000)
    const sent = transport.send({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: {} })
    await vi.waitFor(() => expect(answerHeld).toBeDefined())
    await transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } })
    await sent
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(resumedFrom).toEqual([])
    await transport.close()
  })

  // The second request is received (a tool call's effects may have happened), then the connection
  // breaks: from here that looks the same as the server closing an idle socket as we reused it.
  it.each([
    ['never sends a tool call twice', 'tools/call', false],
    ['sends anything but a tool call once more', 'tools/list', true],
  ])('%s when the kept-alive socket breaks under it', async (_, method, resent) => {
    let calls = 0
    const url = await serve((req, res, message) => {
      calls++
      if (calls === 2) return void req.socket.destroy()
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer(message!.id))
    })
    const { transport, received } = collecting(url, 2000)
    await transport.send({ jsonrpc: '2.0', id: 1, method, params: {} })
    await vi.waitFor(() => expect(received).toHaveLength(1))
    const second = transport.send({ jsonrpc: '2.0', id: 2, method, params: {} })
    if (resent) {
      await second
      await vi.waitFor(() => expect(received).toHaveLength(2))
    } else {
      await expect(second).rejects.toThrow()
    }
    expect(calls).toBe(resent ? 3 : 2)
    await transport.close()
  })

  it('gives up on an unanswered DELETE soon, whatever the request timeout', async () => {
    const url = await serve((req, res, message) => {
      if (req.method === 'DELETE') return // never answered
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'session-1' }).end(answer(message!.id))
    })
    const { transport, received } = collecting(url, 60_000)
    await transport.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })
    await vi.waitFor(() => expect(received).toHaveLength(1))
    const outcome = await Promise.race([
      transport.terminateSession().then(() => 'answered', () => 'abandoned'),
      new Promise((resolve) => setTimeout(resolve, 5500, 'still waiting')),
    ])
    expect(outcome).toBe('abandoned')
    await transport.close()
  }, 10_000)

  it.each([503, 409])('opens the GET stream again after a transient refusal (%i)', async (status) => {
    let gets = 0
    const url = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(202).end()
      if (++gets === 1) return void res.writeHead(status).end()
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`)
    })
    const { transport, received } = collecting(url)
    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    await vi.waitFor(() => expect(received).toEqual([{ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }]), { timeout: 3000 })
    expect(gets).toBe(2)
    await transport.close()
  })

  it('resumes the GET stream from its last event, after the delay the server asked for', async () => {
    const from: (string | undefined)[] = []
    const url = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(202).end()
      from.push(req.headers['last-event-id'] as string | undefined)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      if (from.length === 1) return void res.end(`id: g1\nretry: 0\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`)
      res.write(`id: g2\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/prompts/list_changed' })}\n\n`)
    })
    const { transport, received, errors } = collecting(url)
    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    const started = Date.now()
    await vi.waitFor(() => expect(received.map((m) => 'method' in m && m.method)).toEqual(['notifications/tools/list_changed', 'notifications/prompts/list_changed']), { timeout: 3000 })
    // The server asked for no delay (the floor is 250 ms): sooner than the default second.
    expect(Date.now() - started).toBeLessThan(1000)
    expect(from).toEqual([undefined, 'g1'])
    expect(errors).toEqual([])
    await transport.close()
  })

  it('opens the GET stream afresh after an event id no header can carry', async () => {
    const from: (string | undefined)[] = []
    const url = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(202).end()
      from.push(req.headers['last-event-id'] as string | undefined)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      if (from.length === 1) return void res.end('id: \u0100\nretry: 0\ndata: \n\n')
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`)
    })
    const { transport, received } = collecting(url)
    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    await vi.waitFor(() => expect(received).toEqual([{ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }]), { timeout: 3000 })
    expect(from).toEqual([undefined, undefined])
    await transport.close()
  })

  it('opens the GET stream afresh when the server cannot resume it from its last event', async () => {
    const from: (string | undefined)[] = []
    const url = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(202).end()
      from.push(req.headers['last-event-id'] as string | undefined)
      // The SDK server's answer to an event id its store does not know.
      if (req.headers['last-event-id'] !== undefined) return void res.writeHead(400).end()
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      if (from.length === 1) return void res.end(`id: g1\nretry: 0\ndata: \n\n`)
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' })}\n\n`)
    })
    const { transport, received } = collecting(url)
    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    await vi.waitFor(() => expect(received).toEqual([{ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }]), { timeout: 3000 })
    expect(from).toEqual([undefined, 'g1', undefined])
    await transport.close()
  })

  it('fails the request and closes the connection when its stream is resumed on a session the server no longer knows', async () => {
    const url = await serve((req, res) => {
      if (req.method === 'GET') return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'session-1' }).end('id: e1\nretry: 10\ndata: \n\n')
    })
    const { transport, received } = collecting(url, 2000)
    let closed = false
    transport.onclose = () => void (closed = true)
    await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: {} })
    await vi.waitFor(() => expect(received).toEqual([{ jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'upstream refused to resume the event stream (404)' } }]))
    await vi.waitFor(() => expect(closed).toBe(true))
  })

  it('does not ask again for a GET stream the server refuses for good', async () => {
    let gets = 0
    const url = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(202).end()
      gets++
      res.writeHead(403).end()
    })
    const { transport } = collecting(url)
    await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' })
    await vi.waitFor(() => expect(gets).toBe(1))
    // Past the first retry's delay (a second): no second attempt.
    await new Promise((r) => setTimeout(r, 1300))
    expect(gets).toBe(1)
    await transport.close()
  })

  it.each([
    ['malformed JSON', 'application/json', '{"jsonrpc":"2.0","id":'],
    ['a content type that is no answer', 'text/html', '<html>oops</html>'],
    ['a body too large', 'application/json', ' '.repeat(10 * 1024 * 1024 + 1)],
    ['a JSON answer to another request', 'application/json', answer(999)],
    ['an event stream that ends without the answer and without an event id', 'text/event-stream', ': nothing\n\n'],
  ])('fails a request at once when its answer cannot come: %s', async (_case, type, body) => {
    const url = await serve((_req, res) => void res.writeHead(200, { 'content-type': type }).end(body))
    const { transport, received } = collecting(url, 20_000)
    await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: {} })
    await vi.waitFor(() => expect(received.filter((m) => 'id' in m && m.id === 7)).toEqual([{ jsonrpc: '2.0', id: 7, error: { code: -32603, message: expect.stringMatching(/^upstream /) } }]))
    await transport.close()
  })

  it('reports nothing for a cancelled request whose stream ends without its answer', async () => {
    let end: (() => void) | undefined
    const url = await serve((_req, res, message) => {
      if (message!.id === undefined) return void res.writeHead(202).end()
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.flushHeaders()
      end = () => res.end()
    })
    const { transport, received } = collecting(url, 20_000)
    await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: {} })
    await transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } })
    end!()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(received).toEqual([])
    await transport.close()
  })

  it.each([
    ['an event without data (a priming event)', ['id: p1\nretry: 500\ndata: \n\n', `data: ${answer(7)}\n\n`]],
    // A lone CR ends a line too, and a CRLF split between two chunks is one line end, not two.
    ['lone CRs and a CRLF split between chunks', [`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: {} })}\r\r: comment\rdata: {"jsonrpc":"2.0",\r`, `\ndata: "id":7,"result":{}}\r\n\r\n`]],
  ])('parses event streams as the SSE spec says: %s', async (_case, chunks) => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(chunks[0])
      setTimeout(() => res.end(chunks[1]), 50)
    })
    const { transport, received, errors } = collecting(url, 2000)
    await transport.send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: {} })
    await vi.waitFor(() => expect(received.at(-1)).toEqual({ jsonrpc: '2.0', id: 7, result: {} }))
    expect(received).toHaveLength(chunks[0]!.includes('notifications/message') ? 2 : 1)
    expect(errors).toEqual([])
    await transport.close()
  })
})
