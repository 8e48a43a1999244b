// One MCP session a client opened at an endpoint: its own SDK Server and Streamable HTTP
// transport (one Server per session, as the SDK requires since 1.26), bound to the principal
// that opened it. Every request reaches its handlers already authenticated and, for tools/list
// and tools/call, already decided by the front door; the handlers only carry out the decision.
import { randomUUID } from 'node:crypto'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolRequest,
  type CallToolResult,
  type ListToolsResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type { CatalogueTool } from './catalogue.js'
import type { Endpoint } from './resource-metadata.js'
import type { Principal, Verdict } from './tool-call-authorizer.js'
import { PROXY_CLIENT_INFO } from './upstream.js'

export type HandlerExtra = RequestHandlerExtra<ServerRequest, ServerNotification>

/** What the front door decided for one HTTP request, handed to the handlers through `req.auth`. */
export interface RequestDecision {
  principal: Principal
  requestId: string
  /** tools/list: the tools this principal may see. */
  visible?: Set<CatalogueTool>
  /** tools/call: the JSON-RPC id it was decided for, the tool (if it exists) and the verdict. */
  call?: { rpcId: string | number; entry: CatalogueTool | undefined; verdict: Verdict }
}

/** What a session asks of the proxy it belongs to. */
export interface SessionHost {
  listTools(session: DownstreamSession, decision: RequestDecision, cursor: string | undefined): ListToolsResult
  callTool(session: DownstreamSession, decision: RequestDecision | undefined, request: CallToolRequest, extra: HandlerExtra): Promise<CallToolResult>
  sessionClosed(session: DownstreamSession): void
}

const DECISION = 'caracal'

export function authInfoFor(decision: RequestDecision): AuthInfo {
  // The client's token stays in the front door: nothing past the transport needs it.
  return { token: '', clientId: decision.principal.mandate.clientId, scopes: [], expiresAt: decision.principal.mandate.expiresAt, extra: { [DECISION]: decision } }
}

function decisionOf(extra: HandlerExtra): RequestDecision | undefined {
  return extra.authInfo?.extra?.[DECISION] as RequestDecision | undefined
}

export class DownstreamSession {
  readonly principalKey: string
  readonly endpoint: Endpoint
  readonly server: Server
  readonly transport: StreamableHTTPServerTransport
  #id: string | undefined
  lastSeenAt = Date.now()
  /** The grants (resource and scopes) this session was last shown tools for: list_changed is re-filtered with them. */
  shownGrants: Set<string> | undefined
  /** The exposed names it was last shown. */
  shownTools: Set<string> | undefined

  constructor(host: SessionHost, principalKey: string, endpoint: Endpoint, onInitialized: (session: DownstreamSession) => void) {
    this.principalKey = principalKey
    this.endpoint = endpoint
    this.server = new Server(PROXY_CLIENT_INFO, {
      capabilities: { tools: { listChanged: true } },
      instructions: 'Tools are authorized per call by caracal-mcp; a tool you are not allowed to use is not listed.',
    })
    this.server.setRequestHandler(ListToolsRequestSchema, (request, extra) => {
      const decision = decisionOf(extra)
      // The front door always decides a tools/list; without a decision nothing is shown.
      if (!decision?.visible) return { tools: [] }
      return host.listTools(this, decision, request.params?.cursor)
    })
    this.server.setRequestHandler(CallToolRequestSchema, (request, extra) => host.callTool(this, decisionOf(extra), request, extra))
    this.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.#id = id
        onInitialized(this)
      },
      onsessionclosed: () => host.sessionClosed(this),
    })
    this.server.onclose = () => host.sessionClosed(this)
  }

  /** Set once initialize succeeded. */
  get id(): string | undefined {
    return this.#id
  }

  async connect(): Promise<void> {
    await this.server.connect(this.transport)
  }

  async close(): Promise<void> {
    await this.server.close().catch(() => {})
  }
}
