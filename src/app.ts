// The composition root of the HTTP surfaces: one express app carrying the STS routes (and, as
// they are built, the Coordinator, the admin API and the MCP proxy). No logic of its own.
import express from 'express'
import { createStsRouter, type StsRouterDeps } from './sts/index.js'

export interface AppDeps {
  sts: StsRouterDeps
}

export function createApp(deps: AppDeps): express.Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  app.use(createStsRouter(deps.sts))
  return app
}
