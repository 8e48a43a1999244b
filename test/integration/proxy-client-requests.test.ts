// Requests an upstream sends the client while it works on a call (sampling here; elicitation goes
// the same way), through the proxy with real SDK clients and servers on loopback: each is
// delivered on the stream of the downstream call that caused it, also when several calls of one
// session are in flight at once, because over Streamable HTTP it comes on the upstream stream of
// that call's own request.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CreateMessageRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { text } from '../helpers/tool-results.js'
import { protection, startProxyWorld, type ProxyWorld } from '../helpers/proxy-world.js'

let world: ProxyWorld

beforeAll(async () => {
  world = await startProxyWorld({ protection: protection(['ask']) })
}, 30_000)
afterAll(async () => {
  await world?.close()
})

/** A client whose model answers once `together` questions are waiting: the calls are in flight at once. */
async function samplingClient(together: number): Promise<{ client: Client; asked: string[]; token: string }> {
  const asked: string[] = []
  const waiting: (() => void)[] = []
  const client = new Client({ name: 'sampler', version: '1.0.0' }, { capabilities: { sampling: {} } })
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
    const content = request.params.messages[0]!.content
    const question = !Array.isArray(content) && content.type === 'text' ? content.text : '?'
    asked.push(question)
    await new Promise<void>((resolve) => {
      waiting.push(resolve)
      if (waiting.length >= together) for (const go of waiting.splice(0)) go()
    })
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `answer to ${question}` } }
  })
  const { token } = await world.agentMandate()
  await client.connect(new StreamableHTTPClientTransport(new URL(`${world.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }))
  return { client, asked, token }
}

/** The JSON-RPC messages of one response's event stream, in order. */
async function* events(body: ReadableStream<Uint8Array>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const data = buffer.slice(0, end).split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim())
      buffer = buffer.slice(end + 2)
      if (data.length > 0) yield JSON.parse(data.join('\n')) as Record<string, unknown>
    }
  }
}

describe('requests from an upstream to the client', () => {
  it('reach the client through the call that caused them, one call in flight', async () => {
    const { client, asked } = await samplingClient(1)
    try {
      expect(text((await client.callTool({ name: 'up__ask', arguments: { question: 'why' } })) as CallToolResult)).toBe('why → answer to why')
      expect(asked).toEqual(['why'])
    } finally {
      await client.close()
    }
  })

  it('arrive on the stream of the very call that caused them', async () => {
    // The session is opened by an SDK client; the calls are raw POSTs, so that each one's own event
    // stream can be read. Both are in flight upstream at once, each waiting for its answer.
    const { client, token } = await samplingClient(Infinity)
    const transport = client.transport as StreamableHTTPClientTransport
    const headers = { authorization: `Bearer ${token}`, 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': transport.protocolVersion!, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const post = (message: Record<string, unknown>) => fetch(`${world.url}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', ...message }) })
    try {
      const calls = await Promise.all(
        ['left', 'right'].map(async (question) => {
          const response = await post({ id: `call-${question}`, method: 'tools/call', params: { name: 'up__ask', arguments: { question } } })
          expect(response.headers.get('content-type')).toContain('text/event-stream')
          const stream = events(response.body!)
          return { question, stream, ask: (await stream.next()).value as { id: string | number; method: string; params: { messages: { content: { text: string } }[] } } }
        }),
      )
      for (const { question, ask } of calls) {
        expect(ask.method).toBe('sampling/createMessage')
        expect(ask.params.messages[0]!.content.text).toBe(question)
      }
      for (const { question, ask } of calls) {
        expect((await post({ id: ask.id, result: { role: 'assistant', model: 'm', content: { type: 'text', text: `raw ${question}` } } })).status).toBe(202)
      }
      for (const { question, stream } of calls) {
        expect((await stream.next()).value).toMatchObject({ id: `call-${question}`, result: { content: [{ type: 'text', text: `${question} → raw ${question}` }] } })
      }
    } finally {
      await client.close()
    }
  })

  it('each reach the client through its own call while several calls of a session are in flight', async () => {
    const { client, asked } = await samplingClient(3)
    try {
      const questions = ['first', 'second', 'third']
      const answers = await Promise.all(questions.map(async (question) => text((await client.callTool({ name: 'up__ask', arguments: { question } })) as CallToolResult)))
      expect(answers).toEqual(questions.map((q) => `${q} → answer to ${q}`))
      expect(asked.sort()).toEqual([...questions].sort())
    } finally {
      await client.close()
    }
  })
})
