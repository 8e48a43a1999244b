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
async function samplingClient(together: number): Promise<{ client: Client; asked: string[] }> {
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
  return { client, asked }
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
