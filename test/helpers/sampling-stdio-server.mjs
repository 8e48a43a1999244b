// A stdio MCP server (the SDK's) with one tool, `ask`, that asks the client's model by sampling
// while it works on the call, and answers with what it was told. Started by the proxy as a
// shared child: every downstream session's calls reach this one process.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { z } from 'zod'

const server = new McpServer({ name: 'sampling-stdio', version: '1.0.0' })
server.registerTool('ask', { description: "Ask the client's model", inputSchema: { question: z.string() } }, async ({ question }) => {
  try {
    const answer = await server.server.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: question } }], maxTokens: 20 })
    return { content: [{ type: 'text', text: answer.content.type === 'text' ? answer.content.text : '?' }] }
  } catch (error) {
    return { isError: true, content: [{ type: 'text', text: `refused: ${error.message}` }] }
  }
})
await server.connect(new StdioServerTransport())
