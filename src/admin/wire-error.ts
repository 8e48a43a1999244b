// The one mapping from anything an admin route throws to the admin wire error: our own admin
// errors as they are; the typed errors of the services by class (unknown → 404
// resource_not_found, lifecycle clash → 409 conflict, bad value → 400 invalid_request); a
// database held by another process is a 503 to retry; anything else is a 500 whose cause goes
// to the log, never to the caller.
import { ApprovalDecisionInvalidError, ApprovalNotPendingError, ApprovalUnknownError } from '../approvals/index.js'
import { SessionInputError, SessionNotFoundError, SessionNotLiveError } from '../sessions/index.js'
import { StoreConflictError, StoreNotFoundError } from '../store/index.js'
import type { CaracalMcpError, ErrorCode } from '../errors.js'
import { AdminError, AdminInternalError, AdminUnavailableError, type AdminWireCode } from './errors.js'

/** A service's typed error, shown to the caller under an admin wire code. */
class MappedError extends AdminError {
  readonly code: ErrorCode
  readonly wireCode: AdminWireCode
  override readonly status: number
  constructor(error: CaracalMcpError, wireCode: AdminWireCode, status: number) {
    super(error.message, { cause: error })
    this.code = error.code
    this.wireCode = wireCode
    this.status = status
  }
}

export function toAdminError(error: unknown): AdminError {
  if (error instanceof AdminError) return error
  if (error instanceof StoreNotFoundError || error instanceof SessionNotFoundError || error instanceof ApprovalUnknownError) return new MappedError(error, 'resource_not_found', 404)
  if (error instanceof StoreConflictError || error instanceof ApprovalNotPendingError || error instanceof SessionNotLiveError) return new MappedError(error, 'conflict', 409)
  if (error instanceof SessionInputError || error instanceof ApprovalDecisionInvalidError) return new MappedError(error, 'invalid_request', 400)
  if ((error as { code?: unknown })?.code === 'SQLITE_BUSY') return new AdminUnavailableError({ cause: error })
  return new AdminInternalError({ cause: error })
}
