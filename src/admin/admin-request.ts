// What every admin route reads from its request besides the body: the request id (the caller's
// X-Request-Id when it is usable, else a fresh one), echoed on the response and used as the
// request id of every audit event the route causes.
import type { Request, Response, Router } from 'express'
import { requestIdFrom } from '../http/index.js'
import type { AdminServices } from './services.js'

export function adminRequestId(req: Request, res: Response): string {
  const id = (res.locals.requestId as string | undefined) ?? requestIdFrom(req.headers['x-request-id'])
  res.locals.requestId = id
  res.setHeader('X-Request-Id', id)
  return id
}

/** The operator request of an admin route, for the audit rows it causes. */
export function operator(req: Request, res: Response): { requestId: string; actor: string } {
  return { requestId: adminRequestId(req, res), actor: 'operator:admin-api' }
}

/** A route parameter as a string (express types allow arrays for wildcards, which we do not use). */
export function param(req: Request, name: string): string {
  return String(req.params[name])
}

/** Adds one group of routes to the admin router. */
export type AdminRoutes = (router: Router, services: AdminServices) => void
