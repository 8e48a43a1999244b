// The admin HTTP API, mounted at /v1, as a list of small named steps: echo a request id and
// forbid caching; authenticate the admin bearer token (before anything else is read, so an
// unauthenticated caller learns nothing about routes, zones or bodies); accept JSON bodies only
// (64 KiB, objects and arrays); resolve the zone of the path; then the routes of each group;
// then one error mapper. Error bodies are {"error","error_description","requestId"}, plus
// `details.issues` ([{path, message}]) when a body or query fails validation.
import express, { type NextFunction, type Request, type Response } from 'express'
import { adminRequestId } from './admin-request.js'
import { createAdminTokenCheck } from './admin-token.js'
import { mountApplicationRoutes } from './application-routes.js'
import { mountApprovalRoutes } from './approval-routes.js'
import { mountAuditRoutes } from './audit-routes.js'
import { mountDelegationRoutes } from './delegation-routes.js'
import { AdminError, AdminMediaTypeError, AdminNotFoundError, AdminPayloadTooLargeError } from './errors.js'
import { malformedJson } from './input.js'
import type { AdminServices } from './services.js'
import { mountRevocationRoutes } from './revocation-routes.js'
import { mountSessionRoutes } from './session-routes.js'
import { toAdminError } from './wire-error.js'
import { mountZoneRoutes } from './zone-routes.js'
import { requireZone } from './zones.js'

/** Where app.ts mounts the router. */
export const ADMIN_BASE_PATH = '/v1'

export interface AdminRouterDeps {
  services: AdminServices
  /** The bearer token callers must present (at least 32 characters). */
  token: string
  /** Errors the caller does not see in detail, for the process log. */
  onError?: (error: unknown, requestId: string) => void
}

/** Body-reader failures (body-parser marks them with `type`) are the caller's. */
export function bodyReaderError(error: unknown): AdminError | undefined {
  const type = (error as { type?: unknown } | null)?.type
  const status = (error as { status?: unknown } | null)?.status
  if (type === 'entity.too.large') return new AdminPayloadTooLargeError()
  if (type === 'entity.parse.failed') return malformedJson('not valid JSON, or not a JSON object')
  if (typeof type === 'string' && typeof status === 'number' && status < 500) return malformedJson('unreadable body')
  return undefined
}

export function createAdminRouter(deps: AdminRouterDeps): express.Router {
  const checkToken = createAdminTokenCheck(deps.token)
  const router = express.Router()

  router.use(function adminResponseHeaders(req, res, next) {
    adminRequestId(req, res)
    // Responses carry client secrets and audit rows: never cached anywhere.
    res.setHeader('Cache-Control', 'no-store')
    next()
  })
  router.use(function authenticateAdmin(req, _res, next) {
    checkToken(req.headers.authorization)
    next()
  })
  router.use(function requireJsonBody(req, _res, next) {
    // req.is: null without a body, false for a body of another type. An empty body (what most
    // clients send for a POST without one) is no body, whatever its type.
    const empty = req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined
    next(!empty && req.is('application/json') === false ? new AdminMediaTypeError() : undefined)
  })
  router.use(express.json({ limit: '64kb', strict: true }))
  router.param('zoneId', function zoneOfPath(_req, _res, next, zoneId: string) {
    try {
      requireZone(deps.services.store, String(zoneId))
      next()
    } catch (error) {
      next(error)
    }
  })

  for (const mount of [mountZoneRoutes, mountApplicationRoutes, mountSessionRoutes, mountDelegationRoutes, mountApprovalRoutes, mountRevocationRoutes, mountAuditRoutes]) mount(router, deps.services)

  router.use(function unknownAdminRoute(_req, _res, next) {
    next(new AdminNotFoundError('no such admin route'))
  })
  router.use(function adminErrors(error: unknown, req: Request, res: Response, next: NextFunction) {
    if (res.headersSent) return next(error)
    const id = adminRequestId(req, res)
    const mapped = bodyReaderError(error) ?? toAdminError(error)
    if (mapped.status >= 500) deps.onError?.(mapped.cause ?? error, id)
    res.setHeader('Cache-Control', 'no-store')
    for (const [name, value] of Object.entries(mapped.headers())) res.setHeader(name, value)
    res.status(mapped.status).json(mapped.toBody(id))
  })
  return router
}
