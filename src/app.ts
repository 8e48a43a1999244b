// The composition root of the HTTP surfaces: one express app carrying the STS routes, the
// Coordinator under /zones/{zoneId} and the admin API under /v1 when they are given, and the MCP
// proxy. No logic of its own.
import express from 'express'
import { ADMIN_BASE_PATH, createAdminRouter, type AdminRouterDeps } from './admin/index.js'
import { createCoordinatorRouter, type CoordinatorRouterDeps } from './coordinator/index.js'
import { createStsRouter, type StsRouterDeps } from './sts/index.js'

export interface AppDeps {
  /** The MCP proxy's routes (/mcp, its metadata, /healthz, /readyz, /metrics). */
  proxy?: express.Router
  sts: StsRouterDeps
  /** The Coordinator (sessions and delegations for applications); without it, /zones is not served. */
  coordinator?: CoordinatorRouterDeps
  /** The admin HTTP API; without it, /v1 is not served. */
  admin?: AdminRouterDeps
}

export function createApp(deps: AppDeps): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  if (deps.proxy) app.use(deps.proxy)
  app.use(createStsRouter(deps.sts))
  if (deps.coordinator) app.use(createCoordinatorRouter(deps.coordinator))
  if (deps.admin) app.use(ADMIN_BASE_PATH, createAdminRouter(deps.admin))
  return app
}
