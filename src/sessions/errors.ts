// Agent-session failures, one class each with a stable code; messages name what to fix.
import { CaracalMcpError } from '../errors.js'

/** 400: a start or change request that cannot be honoured as written (bounds, labels, lifecycle). */
export class SessionInputError extends CaracalMcpError {
  readonly code = 'ERR_SESSION_INPUT_INVALID'
  override readonly status = 400
}

/** 404: no such session in this zone (sessions of other zones are not admitted to exist). */
export class SessionNotFoundError extends CaracalMcpError {
  readonly code = 'ERR_SESSION_NOT_FOUND'
  override readonly status = 404
  constructor(readonly sessionId: string) {
    super(`agent session ${sessionId} does not exist in this zone`)
  }
}

/** 409: the session is terminated, suspended or past its deadline. */
export class SessionNotLiveError extends CaracalMcpError {
  readonly code = 'ERR_SESSION_NOT_LIVE'
  override readonly status = 409
  constructor(readonly sessionId: string, readonly reason: 'terminated' | 'suspended' | 'expired' | 'not_owned' | 'ancestor_suspended') {
    super(
      reason === 'not_owned'
        ? `agent session ${sessionId} belongs to another application`
        : reason === 'ancestor_suspended'
          ? `agent session ${sessionId} is under a suspended session`
          : `agent session ${sessionId} is ${reason}`,
    )
  }
}

/** 403: a spawn that would grant more than the parent holds. */
export class SpawnExceedsParentError extends CaracalMcpError {
  readonly code = 'ERR_SESSION_EXCEEDS_PARENT'
  override readonly status = 403
}

/** 429: a session limit (children per parent, depth, live sessions per zone or application). */
export class SessionLimitError extends CaracalMcpError {
  readonly code = 'ERR_SESSION_LIMIT'
  override readonly status = 429
}

/** 403: a lifecycle action this caller may not take (resuming an operator's suspension). */
export class SessionActionDeniedError extends CaracalMcpError {
  readonly code = 'ERR_SESSION_ACTION_DENIED'
  override readonly status = 403
}
