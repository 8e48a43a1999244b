// What every Coordinator route reads besides its body: the request id (the caller's X-Request-Id
// when usable, else a fresh one; echoed, and the request id of every audit event the route
// causes), the authenticated caller, path parameters; and how a create's outcome is sent.
import type { Request, Response, Router } from 'express'
import type { Delegations } from '../delegation/index.js'
import { requestIdFrom } from '../http/index.js'
import type { AgentSessions } from '../sessions/index.js'
import type { Store } from '../store/index.js'
import type { Caller } from './caller.js'
import { IDEMPOTENCY_REPLAYED_HEADER, type CreateOutcome } from './idempotency.js'

/** What the routes act on. */
export interface CoordinatorContext {
  store: Store
  sessions: AgentSessions
  delegations: Delegations
  now: () => number
}

/** Adds one group of routes to the Coordinator's per-zone router. */
export type CoordinatorRoutes = (router: Router, ctx: CoordinatorContext) => void

export function coordinatorRequestId(req: Request, res: Response): string {
  const id = (res.locals.requestId as string | undefined) ?? requestIdFrom(req.headers['x-request-id'])
  res.locals.requestId = id
  res.setHeader('X-Request-Id', id)
  return id
}

/** The caller the authentication step stored; a route reached without one is a wiring bug. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined
  if (!caller) throw new TypeError('coordinator route reached without an authenticated caller')
  return caller
}

export function param(req: Request, name: string): string {
  return String(req.params[name])
}

/** The Idempotency-Key header, when present (repeated headers arrive joined, and so fail its pattern). */
export function idempotencyKey(req: Request): string | undefined {
  const value = req.headers['idempotency-key']
  return Array.isArray(value) ? value.join(', ') : value
}

export function sendOutcome(res: Response, outcome: CreateOutcome & { replayed: boolean }): void {
  if (outcome.replayed) res.setHeader(IDEMPOTENCY_REPLAYED_HEADER, 'true')
  res.status(outcome.status).json(outcome.json)
}
