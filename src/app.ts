// The composition root of the HTTP surfaces: one express app carrying the STS routes, the admin
// API under /v1 when it is given, and (as they are built) the Coordinator and the MCP proxy. No
// logic of its own.
import express from 'express'
import { ADMIN_BASE_PATH, createAdminRouter, type AdminRouterDeps } from './admin/index.js'
import { createStsRouter, type StsRouterDeps } from './sts/index.js'

export interface AppDeps {
  sts: StsRouterDeps
  /** The admin HTTP API; without it, /v1 is not served. */
  admin?: AdminRouterDeps
}

export function createApp(deps: AppDeps): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  app.use(createStsRouter(deps.sts))
  if (deps.admin) app.use(ADMIN_BASE_PATH, createAdminRouter(deps.admin))
  return app
}
