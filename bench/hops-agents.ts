// The agents of the hop bench, in-process on loopback: an MCP server over Streamable HTTP whose
// one tool, `relay`, calls a next tool and answers with its text. The same code runs both chains:
// straight to the next server, or back in through the proxy with the agent mandate its call
// arrived with (the Caracal-Agent-Mandate header), as an agent behind caracal-mcp does. It keeps
// one client per mandate it was given, as a real agent keeps its connection while its mandate
// lasts.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { connect, disconnect } from './bench-product.js'
import { serveMcpSessions } from './proxy-ends.js'

export interface RelayAgent {
  url: string
  /** Where `relay` calls: an MCP endpoint and the tool's name there. Set once the next hop is up. */
  next?: { url: string; tool: string; viaProxy: boolean }
  close(): Promise<void>
}

export async function startRelayAgent(name: string): Promise<RelayAgent> {
  const clients = new Map<string, Promise<Client>>()
  const agent: RelayAgent = { url: '', close: async () => {} }

  const downstream = (mandate: string): Promise<Client> => {
    const next = agent.next!
    let client = clients.get(mandate)
    if (!client) {
      client = connect(next.url, next.viaProxy ? { bearer: mandate } : {})
      clients.set(mandate, client)
    }
    return client
  }

  const endpoint = await serveMcpSessions(() => {
    const server = new McpServer({ name, version: '1.0.0' })
    server.registerTool('relay', { description: 'Call the next hop with the text and answer what it answered', inputSchema: { text: z.string() } }, async ({ text }, extra) => {
      const headers = extra.requestInfo?.headers ?? {}
      const mandate = agent.next!.viaProxy ? String(headers['caracal-agent-mandate'] ?? '') : ''
      if (agent.next!.viaProxy && mandate === '') return { isError: true, content: [{ type: 'text', text: 'no agent mandate' }] }
      const client = await downstream(mandate)
      const result = await client.callTool({ name: agent.next!.tool, arguments: { text } })
      return { content: result.content as { type: 'text'; text: string }[], ...(result.isError === true && { isError: true }) }
    })
    return server
  })
  agent.url = endpoint.url
  agent.close = async () => {
    for (const client of clients.values()) await disconnect(await client).catch(() => {})
    await endpoint.close()
  }
  return agent
}
