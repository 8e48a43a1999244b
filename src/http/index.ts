/**
 * @module http
 * Plumbing shared by the HTTP surfaces (STS, Coordinator, admin API, proxy).
 *
 * Must: hold no domain logic.
 */
export { fetchPerRequest } from './fetch-per-request.js'
export { requestIdFrom } from './request-id.js'
