// A stdio MCP server that can be made to die: `crash` exits the process mid-call, `pid` says
// which process answered, `delegated_op` sits in a group that requires delegation. For the
// proxy's supervision test (restart with backoff).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'

const server = new McpServer({ name: 'crashing', version: '1.0.0' })
server.registerTool('pid', { description: 'The process id' }, async () => ({ content: [{ type: 'text', text: String(process.pid) }] }))
server.registerTool('delegated_op', { description: 'Only for delegated callers (the proxy enforces it)' }, async () => ({ content: [{ type: 'text', text: 'done' }] }))
server.registerTool('crash', { description: 'Exit at once' }, async () => process.exit(3))
await server.connect(new StdioServerTransport())
process.stdin.once('close', () => process.exit(0))
