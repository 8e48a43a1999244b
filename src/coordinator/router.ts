// The Coordinator's HTTP surface, under /zones/{zoneId}, as a list of small named steps: echo a
// request id and forbid caching; authenticate the calling application by its bootstrap mandate
// for the path's zone (before anything else is read, so an unauthenticated caller learns nothing
// about routes, sessions or bodies); accept JSON bodies only (64 KiB); then the session and
// delegation routes; then one error mapper. Error bodies are {"error","error_description",
// "requestId"}, plus `details.issues` when a body fails validation, as the admin API's.
import express, { type NextFunction, type Request, type Response } from 'express'
import { AdminMediaTypeError, AdminNotFoundError, bodyReaderError, toAdminError } from '../admin/index.js'
import type { Delegations } from '../delegation/index.js'
import type { VerificationKeys } from '../keys/index.js'
import type { AgentSessions } from '../sessions/index.js'
import type { Store } from '../store/index.js'
import { authenticateCaller } from './caller.js'
import { mountDelegationRoutes } from './delegation-routes.js'
import { coordinatorRequestId, param, type CoordinatorContext } from './request.js'
import { mountSessionRoutes } from './session-routes.js'

/** Where every Coordinator route lives; the router is mounted at the root of the app. */
export const COORDINATOR_ZONE_PATH = '/zones/:zoneId'

export interface CoordinatorRouterDeps {
  /** This STS's issuer: bearers must be its mandates, with it as audience. */
  issuer: string
  store: Store
  keys: VerificationKeys
  sessions: AgentSessions
  delegations: Delegations
  /** Errors the caller does not see in detail, for the process log. */
  onError?: (error: unknown, requestId: string) => void
  now?: () => number
  /** A bearer longer than this is refused unread (config `server.maxTokenBytes`). */
  maxTokenBytes?: number
}

export function createCoordinatorRouter(deps: CoordinatorRouterDeps): express.Router {
  // A mistake of our own setup, caught when the router is built rather than on the first call.
  if (typeof deps.issuer !== 'string' || deps.issuer === '') throw new TypeError('the Coordinator needs the issuer its bearers are minted by')
  const ctx: CoordinatorContext = { store: deps.store, sessions: deps.sessions, delegations: deps.delegations, now: deps.now ?? Date.now }
  const zone = express.Router({ mergeParams: true })

  zone.use(function coordinatorResponseHeaders(req, res, next) {
    coordinatorRequestId(req, res)
    res.setHeader('Cache-Control', 'no-store')
    next()
  })
  zone.use(function authenticateApplication(req, res, next) {
    res.locals.caller = authenticateCaller(req.headers.authorization, param(req, 'zoneId'), { issuer: deps.issuer, keys: deps.keys, store: deps.store, ...(deps.maxTokenBytes !== undefined && { maxTokenBytes: deps.maxTokenBytes }) }, ctx.now())
    next()
  })
  zone.use(function requireJsonBody(req, _res, next) {
    // As the admin API: an empty body is no body, whatever its type.
    const empty = req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined
    next(!empty && req.is('application/json') === false ? new AdminMediaTypeError() : undefined)
  })
  zone.use(express.json({ limit: '64kb', strict: true }))

  mountSessionRoutes(zone, ctx)
  mountDelegationRoutes(zone, ctx)

  zone.use(function unknownCoordinatorRoute(_req, _res, next) {
    next(new AdminNotFoundError('no such coordinator route'))
  })
  zone.use(function coordinatorErrors(error: unknown, req: Request, res: Response, next: NextFunction) {
    if (res.headersSent) return next(error)
    const id = coordinatorRequestId(req, res)
    const mapped = bodyReaderError(error) ?? toAdminError(error)
    if (mapped.status >= 500) deps.onError?.(mapped.cause ?? error, id)
    res.setHeader('Cache-Control', 'no-store')
    for (const [name, value] of Object.entries(mapped.headers())) res.setHeader(name, value)
    res.status(mapped.status).json(mapped.toBody(id))
  })

  const router = express.Router()
  router.use(COORDINATOR_ZONE_PATH, zone)
  return router
}
