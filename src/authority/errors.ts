// Authority-revocation failures, one class each with a stable code.
import { CaracalMcpError } from '../errors.js'

/** 400: the revocation names nothing that exists here, or gives no usable reason. */
export class AuthorityRevocationInputError extends CaracalMcpError {
  readonly code = 'ERR_AUTHORITY_REVOCATION_INVALID'
  override readonly status = 400
}
