/**
 * @module sessions
 * Agent sessions: the runtime unit an application acts through (start, spawn, heartbeat,
 * suspend, resume, terminate with its cascade, liveness). Delegation builds on these rows.
 *
 * Must: read liveness from the store on every check (another process may end a session); revoke
 * a terminated session's id as an anchor; audit every start and termination. Must not: know
 * about HTTP, MCP or tokens.
 */
export { AgentSessions, OPERATOR, ancestryProblem, lineageDeadline, sessionAuditMetadata, type AgentSessionsDeps, type Ended, type SpawnAuthority, type SpawnSession, type StartSession } from './agent-sessions.js'
export { SessionActionDeniedError, SessionInputError, SessionLimitError, SessionNotFoundError, SessionNotLiveError, SpawnExceedsParentError } from './errors.js'
export {
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_TASK_TTL_SECONDS,
  MAX_HEARTBEAT_SECONDS,
  MAX_LABEL_LENGTH,
  MAX_LABELS,
  MAX_TASK_TTL_SECONDS,
  MIN_HEARTBEAT_SECONDS,
  MAX_CHILDREN_PER_PARENT,
  MAX_SESSION_DEPTH,
  DEFAULT_SESSION_LIMITS,
  type SessionLimits,
} from './limits.js'
