/**
 * @module authority
 * Revocation of authority records: by record (with everything rooted in it), by subject, by
 * application. Sessions and delegation edges are revoked by their own modules.
 *
 * Must: write every revoked record as an anchor in the same transaction; audit each revocation.
 * Must not: know about HTTP, MCP or tokens.
 */
export { revokeAuthority, type AuthorityTarget, type RevokeAuthority } from './revoke-authority.js'
export { AuthorityRevocationInputError } from './errors.js'
