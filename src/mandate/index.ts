/**
 * @module mandate
 * The mandate JWT: claim set, minting, and verification with Caracal's check order and codes.
 *
 * Must: accept ES256 only; take issuer, audience and zone from configuration, never from the
 * token; fail closed (a revocation store error is a rejection). Must not: do network or
 * database I/O (keys and revocations come in through interfaces); put a token in a message.
 */
export {
  parseScope,
  REQUIRED_CLAIMS,
  type ChainHop,
  type MandateClaims,
  type MandateUse,
  type SubjectType,
  type VerifiedMandate,
} from './claims.js'
export {
  ChainMismatchError,
  DelegationRequiredError,
  DelegationStaleError,
  HopCountExceededError,
  InsufficientScopeError,
  MandateError,
  MissingTokenError,
  SessionRequiredError,
  SessionRevokedError,
  TokenInvalidError,
  ZoneInvalidError,
  type VerifierCode,
  type VerifierErrorBody,
} from './errors.js'
export { mintMandate } from './mint.js'
export {
  DEFAULT_MAX_REVOCATIONS,
  DEFAULT_REVOCATION_TTL_MS,
  InMemoryRevocationStore,
  RevocationCapacityError,
  type RevocationStore,
} from './revocation.js'
export {
  anchorsOf,
  authenticateMandate,
  checkRequirements,
  checkActiveAuthority,
  checkAnchors,
  extractBearer,
  verifyMandateIdentity,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_HOP_COUNT,
  DEFAULT_MAX_TOKEN_BYTES,
  type AuthenticateDeps,
  type AuthenticateResult,
  type VerifyOptions,
} from './verify.js'
