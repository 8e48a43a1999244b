// The one mapping from anything an admin route throws to the admin wire error: our own admin
// errors as they are; the typed errors of the services by class (unknown → 404
// resource_not_found, lifecycle clash → 409 conflict, bad value → 400 invalid_request, a spawn
// beyond its parent → 403 delegation_exceeds_parent_authority, a session limit → 429
// rate_limited); a refused delegation with Caracal's own code and status; a database held by
// another process is a 503 to retry; anything else is a 500 whose cause goes to the log, never
// to the caller. The Coordinator maps what its routes throw through here too.
import { ApprovalDecisionInvalidError, ApprovalNotPendingError, ApprovalUnknownError } from '../approvals/index.js'
import { DelegationRefusedError } from '../delegation/index.js'
import { AuthorityRevocationInputError } from '../authority/index.js'
import { SessionActionDeniedError, SessionInputError, SessionLimitError, SessionNotFoundError, SessionNotLiveError, SpawnExceedsParentError } from '../sessions/index.js'
import { StoreConflictError, StoreNotFoundError } from '../store/index.js'
import type { CaracalMcpError, ErrorCode } from '../errors.js'
import { AdminError, AdminInternalError, AdminUnavailableError, type AdminWireCode } from './errors.js'

/** A service's typed error, shown to the caller under an admin wire code. */
class MappedError extends AdminError {
  readonly code: ErrorCode
  readonly wireCode: AdminWireCode
  override readonly status: number
  readonly #headers: Record<string, string>
  constructor(error: CaracalMcpError, wireCode: AdminWireCode, status: number, headers: Record<string, string> = {}) {
    super(error.message, { cause: error })
    this.code = error.code
    this.wireCode = wireCode
    this.status = status
    this.#headers = headers
  }

  override headers(): Record<string, string> {
    return { ...this.#headers }
  }
}

export function toAdminError(error: unknown): AdminError {
  if (error instanceof AdminError) return error
  if (error instanceof StoreNotFoundError || error instanceof SessionNotFoundError || error instanceof ApprovalUnknownError) return new MappedError(error, 'resource_not_found', 404)
  if (error instanceof StoreConflictError || error instanceof ApprovalNotPendingError || error instanceof SessionNotLiveError) return new MappedError(error, 'conflict', 409)
  if (error instanceof SessionActionDeniedError) return new MappedError(error, 'access_denied', 403)
  if (error instanceof SessionInputError || error instanceof ApprovalDecisionInvalidError || error instanceof AuthorityRevocationInputError) return new MappedError(error, 'invalid_request', 400)
  if (error instanceof SpawnExceedsParentError) return new MappedError(error, 'delegation_exceeds_parent_authority', 403)
  if (error instanceof SessionLimitError) return new MappedError(error, 'rate_limited', 429, { 'Retry-After': '1' })
  if (error instanceof DelegationRefusedError) return new MappedError(error, error.wireCode, error.status)
  if ((error as { code?: unknown })?.code === 'SQLITE_BUSY') return new AdminUnavailableError({ cause: error })
  return new AdminInternalError({ cause: error })
}
