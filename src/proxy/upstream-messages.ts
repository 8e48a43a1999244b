// Where what an upstream says on its own goes: a list change (listed again), a log message or a
// resource update (to the session or sessions it concerns), a request to the client (sampling,
// elicitation: to the downstream call that caused it). The SDK does not say which request a
// message from upstream belongs to, so the calls in flight on each connection are tracked here:
// a message is attributed only when one call could have caused it, and otherwise a log message
// goes to the connection's session (if it has one) and a request to the client is refused rather
// than delivered to the wrong caller.
import { CreateMessageResultSchema, ElicitResultSchema, ErrorCode, McpError, type LoggingLevel, type ServerNotification } from '@modelcontextprotocol/sdk/types.js'
import type { VerifiedMandate } from '../mandate/index.js'
import type { EntryKind } from './catalogue.js'
import type { DownstreamSession, HandlerExtra } from './downstream-session.js'
import type { UpstreamEvents } from './upstream.js'

const LOG_LEVELS: readonly LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']

/** A request in flight on an upstream connection: where that upstream's messages about it go. */
export interface CallInFlight {
  session: DownstreamSession
  extra: HandlerExtra
}

export interface UpstreamMessagesOptions {
  sessions: ReadonlyMap<string, DownstreamSession>
  /** The log level a session asked for, if any. */
  levelOf: (session: DownstreamSession) => LoggingLevel | undefined
  /** Lists one kind of a server's offer again. */
  refresh: (server: string, kind: EntryKind) => void
  /** Whether a session subscribed to this resource may hear of its update now. */
  hearsUpdate: (session: DownstreamSession, uri: string) => boolean
}

export class UpstreamMessages {
  readonly #o: UpstreamMessagesOptions
  /** Connection key (server, and the session for a per-session connection) → its requests in flight. */
  readonly #calls = new Map<string, Set<CallInFlight>>()
  /** A shared (stdio) server → the users (of an application) it served calls of since its child started (two at most). */
  readonly #sharedUsers = new Map<string, Set<string>>()

  constructor(options: UpstreamMessagesOptions) {
    this.#o = options
  }

  /** A call in flight on a server's connection: of a session, or (no session) the shared child's. Returns its release. */
  track(server: string, sessionId: string | undefined, call: CallInFlight): () => void {
    const key = connectionKey(server, sessionId)
    let set = this.#calls.get(key)
    if (!set) this.#calls.set(key, (set = new Set()))
    set.add(call)
    return () => {
      set.delete(call)
      if (set.size === 0 && this.#calls.get(key) === set) this.#calls.delete(key)
    }
  }

  /**
   * A shared child (stdio) was given a call on behalf of this user of this application. Whose
   * requests it may relay is decided by who they would reach: the agent sessions of one user and
   * application count as one (what the child asks for one of them is theirs all the same).
   */
  servedBy(server: string, m: VerifiedMandate): void {
    let users = this.#sharedUsers.get(server)
    if (!users) this.#sharedUsers.set(server, (users = new Set()))
    // Two are enough to know: the set never grows past them.
    if (users.size < 2) users.add(`${m.zoneId}\n${m.clientId}\n${m.sub}`)
  }

  /** A new child: what the last one was asked on whose behalf is gone with it. */
  restarted(server: string): void {
    this.#sharedUsers.delete(server)
  }

  /** What one connection's own messages are routed by: a session's, or (no session) the shared one's. */
  eventsFor(server: string, sessionId: string | undefined): UpstreamEvents {
    const key = connectionKey(server, sessionId)
    const only = (): CallInFlight | undefined => {
      const calls = this.#calls.get(key)
      return calls?.size === 1 ? calls.values().next().value : undefined
    }
    return {
      listChanged: (kind) => {
        if (sessionId !== undefined) return
        this.#o.refresh(server, kind)
        if (kind === 'resource') this.#o.refresh(server, 'template')
      },
      notification: (n) => this.#relayNotification(server, sessionId, only(), n),
      request: async (request, signal, related) => {
        // Known by the stream it came on (Streamable HTTP): only to that call, and only while it
        // is in flight. Otherwise (stdio, legacy SSE, the GET stream) only when one call could have caused it.
        const call = related === undefined ? only() : this.#calls.get(key)?.has(related as CallInFlight) ? (related as CallInFlight) : undefined
        if (!call) throw new McpError(ErrorCode.MethodNotFound, `${request.method} cannot be attributed to one client request; refused`)
        // A child every session shares may ask on behalf of a call that has already ended (work it
        // carries on in the background), while another principal's call is the one in flight:
        // once it has served two users (or applications), what it asks can no longer be tied to one.
        if (sessionId === undefined && (this.#sharedUsers.get(server)?.size ?? 0) > 1) {
          throw new McpError(ErrorCode.MethodNotFound, `${request.method} from an upstream shared by several users cannot be attributed to one; refused`)
        }
        const schema = request.method === 'sampling/createMessage' ? CreateMessageResultSchema : ElicitResultSchema
        return call.extra.sendRequest(request as never, schema, { signal })
      },
    }
  }

  #relayNotification(server: string, sessionId: string | undefined, call: CallInFlight | undefined, n: ServerNotification): void {
    const now = Date.now()
    const authorized = (s: DownstreamSession | undefined): s is DownstreamSession => s !== undefined && s.authorizedUntil > now && !s.closing
    if (n.method === 'notifications/message') {
      // A shared connection (a stdio child) logs for every session at once: a message cannot be
      // tied to one principal with certainty, so none hears it.
      if (sessionId === undefined) return
      const target = call?.session ?? this.#o.sessions.get(sessionId)
      if (!authorized(target) || !loud(n.params.level, this.#o.levelOf(target))) return
      const send = call ? call.extra.sendNotification(n) : target.server.notification(n)
      void send.catch(() => {})
      return
    }
    if (n.method === 'notifications/resources/updated') {
      const uri = n.params.uri
      const targets = sessionId !== undefined ? [this.#o.sessions.get(sessionId)] : [...this.#o.sessions.values()].filter((s) => s.endpoint.server === undefined || s.endpoint.server === server)
      for (const s of targets) if (authorized(s) && this.#o.hearsUpdate(s, uri)) void s.server.notification(n).catch(() => {})
    }
  }
}

function connectionKey(server: string, sessionId: string | undefined): string {
  return `${server}\n${sessionId ?? ''}`
}

/** Whether a log message is at or above the level a session asked for (all, when it asked for none). */
function loud(level: LoggingLevel, threshold: LoggingLevel | undefined): boolean {
  return threshold === undefined || LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold)
}
