/**
 * @module authority
 * Authority records: the live check a presented mandate's authority must pass, and revocation by
 * record (with everything rooted in it), by subject, by application. Sessions and delegation
 * edges are revoked by their own modules.
 *
 * Must: write every revoked record as an anchor in the same transaction; audit each revocation.
 * Must not: know about HTTP, MCP or tokens.
 */
export { revokeAuthority, type AuthorityTarget, type RevokeAuthority } from './revoke-authority.js'
export { bindAuthority } from './bind-authority.js'
export { AuthorityEndedError, AuthorityRevocationInputError } from './errors.js'
