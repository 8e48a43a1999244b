// The proxy's Streamable HTTP client against a scripted server on loopback: a request the server
// sends on the event stream of one of ours is attributed to the call that sent ours, and to no
// other; to no call at all when ours had none (any more); asked once; unknown when it came on no
// stream of ours.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { HttpClientTransport, NO_CALL } from '../../../src/proxy/http-client-transport.js'

let server: Server | undefined
afterEach(async () => {
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
})
