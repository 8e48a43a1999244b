/**
 * @module http
 * Plumbing shared by the HTTP surfaces (STS, Coordinator, admin API, proxy).
 *
 * Must: hold no domain logic.
 */
export { requestIdFrom } from './request-id.js'
