/**
 * @module admin
 * Administration of a zone over the services the rest of the product already has: the admin
 * HTTP API (`/v1`, bearer admin token) and the operations the CLI shares with it: zones,
 * applications, resources, signing-key rotation, agent sessions (suspend and resume included),
 * delegation edges, operator approval decisions, audit query and verification. No logic of its
 * own beyond input checks, the operator's side of the approver-class rule, and the JSON it
 * shows. Its body reader, error classes and wire mapping are shared with the Coordinator, whose
 * errors have the same shape.
 *
 * Must: authenticate every route with the admin token, compared in constant time, before reading
 * anything else; validate every body and query with strict schemas; show an object of another
 * zone as absent (404); audit state changes under the request's id (through the services); show
 * a client secret only in the response that created it. Must not: write SQL, mint tokens, or put
 * a token, secret or secret hash into any other response, a log line or an error message.
 */
export { ADMIN_BASE_PATH, bodyReaderError, createAdminRouter, type AdminRouterDeps } from './router.js'
export { AdminError, AdminMediaTypeError, AdminNotFoundError, type AdminErrorBody, type AdminWireCode } from './errors.js'
export { toAdminError } from './wire-error.js'
export { readBody, readQuery } from './input.js'
export type { AdminServices } from './services.js'
export { ZONE_ID_PATTERN, requireZone } from './zones.js'
export { APPLICATION_ID_PATTERN, createApplication, disableApplication, rotateApplicationSecret } from './applications.js'
export { registerResource } from './resources.js'
export { rotateSigningKey } from './signing-key.js'
export { sessionJson, startSession, suspendSession, terminateSession } from './agent-session.js'
export {
  DELEGATION_FIELDS,
  acceptDelegation,
  createOperatorDelegation,
  delegationJson,
  delegationRequest,
  delegationsOf,
  revokeDelegation,
  type DelegationBody,
} from './delegation.js'
export { APPROVAL_STATES, approvalJson, decideApproval, listApprovals } from './approval-decision.js'
export { auditEventJson } from './audit-query.js'
