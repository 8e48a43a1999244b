// Authority-revocation failures, one class each with a stable code.
import { CaracalMcpError } from '../errors.js'

/** 400: the revocation names nothing that exists here, or gives no usable reason. */
export class AuthorityRevocationInputError extends CaracalMcpError {
  readonly code = 'ERR_AUTHORITY_REVOCATION_INVALID'
  override readonly status = 400
}

/** The authority a presented mandate stands on has ended (revoked, expired, or not what it claims). */
export class AuthorityEndedError extends CaracalMcpError {
  readonly code = 'ERR_AUTHORITY_ENDED'
  override readonly status = 403
  constructor(readonly detail: string) {
    super('authority record is not active')
  }
}
