/**
 * @module delegation
 * Delegation edges between agent sessions (contract §5): creation under Caracal's rules in its
 * order, acceptance by a receiver of another application, revocation with its cascade, and the
 * live validation of a delegated mint that yields the path, chain and hop count a mandate carries.
 *
 * Must: refuse anything that would grant more than the parent edge, the source session or the
 * resources allow; advance the zone's delegation epoch with every create and revoke; audit every
 * change. Must not: know about HTTP, MCP or tokens (the STS signs; this module decides).
 */
export { DEFAULT_MAX_HOPS, MAX_HOPS_LIMIT, maxHopsOf, parseConstraints } from './constraints.js'
export { Delegations, MAX_DELEGATION_DEPTH, edgeAuditMetadata, edgeResources, type DelegationsDeps, type NewDelegation } from './delegations.js'
export { DelegationInvalidError, DelegationRefusedError, type DelegationWireCode } from './errors.js'
export { delegationClaims, edgeAdmits, validateDelegatedMint, type DelegatedMintRequest, type ValidatedDelegation } from './mint-check.js'
