// The STS's HTTP surface, as a list of small named steps: POST /oauth/2/token and
// GET /.well-known/jwks.json?zone_id=… with Caracal's transport rules, statuses and headers.
import express, { type NextFunction, type Request, type Response } from 'express'
import { requestIdFrom } from '../http/index.js'
import { extractBearer } from '../mandate/index.js'
import { JWKS_HEADERS, type KeyRing } from '../keys/index.js'
import {
  ApprovalNotFoundError,
  JwksNotFoundError,
  JwksZoneRequiredError,
  StsError,
  StsInternalError,
  StsUnavailableError,
  TokenMediaTypeError,
  TokenMethodNotAllowedError,
  TokenRequestInvalidError,
  TokenRequestTooLargeError,
} from './errors.js'
import { APPROVAL_PAGE_HEADERS, approvalPage } from './approval-page.js'
import { parseTokenForm } from './form.js'
import { CLIENT_CREDENTIALS_GRANT, TOKEN_EXCHANGE_GRANT, readClientCredentialsRequest, readTokenRequest } from './params.js'
import { grantLabel, type StsMetrics } from './sts-metrics.js'
import type { TokenExchange } from './token-exchange.js'

export const TOKEN_PATH = '/oauth/2/token'
export const JWKS_PATH = '/.well-known/jwks.json'
export const METADATA_PATH = '/.well-known/oauth-authorization-server'
export const APPROVAL_PATH = '/approvals/:id'
/** The approval as a page for a person (`/approvals/{id}/page`). */
export const APPROVAL_PAGE_PATH = `${APPROVAL_PATH}/page`
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAX_BODY_BYTES = 64 * 1024
/** The shape of a zone id (config schema); anything else has no keys, without a lookup. */
const ZONE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export interface StsRouterDeps {
  exchange: TokenExchange
  keys: KeyRing
  /** Errors the caller does not see in detail, for the process log. */
  onError?: (error: unknown, requestId: string) => void
  metrics?: StsMetrics
}

function requestId(req: Request, res: Response): string {
  const id = (res.locals.requestId as string | undefined) ?? requestIdFrom(req.headers['x-request-id'])
  res.locals.requestId = id
  res.setHeader('X-Request-Id', id)
  return id
}

function sendError(res: Response, error: StsError, id: string): void {
  res.setHeader('Cache-Control', 'no-store')
  for (const [name, value] of Object.entries(error.headers())) res.setHeader(name, value)
  res.status(error.status).json(error.toBody(id))
}

function rejectQueryString(req: Request, _res: Response, next: NextFunction): void {
  next(req.originalUrl.includes('?') ? new TokenRequestInvalidError('query parameters are not allowed') : undefined)
}

function requireFormBody(req: Request, _res: Response, next: NextFunction): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  next(type === 'application/x-www-form-urlencoded' ? undefined : new TokenMediaTypeError())
}

const readBody = express.raw({ type: () => true, limit: MAX_BODY_BYTES })

export function createStsRouter(deps: StsRouterDeps): express.Router {
  const router = express.Router()
  router.use((req, res, next) => {
    requestId(req, res)
    next()
  })

  router.post(TOKEN_PATH, rejectQueryString, requireFormBody, readBody, async function exchangeToken(req, res) {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const form = parseTokenForm(body)
    res.locals.grant = grantLabel(form.get('grant_type')?.[0] ?? '')
    const id = requestId(req, res)
    const response =
      form.get('grant_type')?.[0] === CLIENT_CREDENTIALS_GRANT
        ? await deps.exchange.clientCredentials(readClientCredentialsRequest(form, req.headers.authorization), id)
        : await deps.exchange.exchange(readTokenRequest(form, req.headers.authorization), id)
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('Pragma', 'no-cache')
    deps.metrics?.tokenRequests.inc({ grant: res.locals.grant as string, outcome: 'issued' })
    res.status(200).json(response)
  })
  router.all(TOKEN_PATH, (_req, _res, next) => next(new TokenMethodNotAllowedError()))

  router.get(JWKS_PATH, function jwks(req, res) {
    const zoneId = typeof req.query.zone_id === 'string' ? req.query.zone_id : ''
    if (zoneId === '') throw new JwksZoneRequiredError()
    const doc = ZONE_ID.test(zoneId) ? deps.keys.jwks(zoneId) : undefined
    if (!doc) throw new JwksNotFoundError()
    res.set(JWKS_HEADERS).status(200).json(doc)
  })

  // RFC 8414 metadata, our addition so OAuth and MCP clients can discover the token endpoint.
  // Keys are per zone, so jwks_uri appears only when the zone is named (?zone_id=).
  router.get(METADATA_PATH, function authorizationServerMetadata(req, res) {
    const issuer = deps.exchange.issuer
    const zoneId = typeof req.query.zone_id === 'string' && req.query.zone_id !== '' ? req.query.zone_id : undefined
    res.setHeader('Cache-Control', 'public, max-age=300')
    res.status(200).json({
      issuer,
      token_endpoint: `${issuer}${TOKEN_PATH}`,
      ...(zoneId && { jwks_uri: `${issuer}${JWKS_PATH}?zone_id=${encodeURIComponent(zoneId)}` }),
      grant_types_supported: [TOKEN_EXCHANGE_GRANT, CLIENT_CREDENTIALS_GRANT],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      response_types_supported: [],
    })
  })

  // The hold's state, unauthenticated by design: the id is an unguessable capability and the
  // body says nothing else (contract §1.8). `wait` long-polls up to 25 s.
  router.get(APPROVAL_PATH, async function approvalState(req, res) {
    const id = String(req.params.id)
    const rawWait = typeof req.query.wait === 'string' ? req.query.wait : undefined
    if (rawWait !== undefined && !/^[0-9]{1,6}$/.test(rawWait)) throw new TokenRequestInvalidError('wait must be a non-negative integer of seconds')
    if (!UUID.test(id)) throw new ApprovalNotFoundError()
    const aborted = new AbortController()
    res.on('close', () => aborted.abort())
    const view = await deps.exchange.approvals.wait(id, rawWait === undefined ? 0 : Number(rawWait), aborted.signal)
    if (!view) throw new ApprovalNotFoundError()
    res.setHeader('Cache-Control', 'no-store')
    res.status(200).json(view)
  })

  // The same state as a page for a person: where a client's URL elicitation sends its user.
  router.get(APPROVAL_PAGE_PATH, async function approvalPageOf(req, res) {
    const id = String(req.params.id)
    const view = UUID.test(id) ? await deps.exchange.approvals.wait(id, 0) : undefined
    res.status(view ? 200 : 404).set(APPROVAL_PAGE_HEADERS).send(approvalPage(view))
  })

  // A federated user's own decision on a hold that names them (contract §1.8).
  router.post(`${APPROVAL_PATH}/decision`, express.json({ limit: '16kb', strict: true, type: () => true }), async function subjectDecision(req, res) {
    const id = String(req.params.id)
    if (!UUID.test(id)) throw new ApprovalNotFoundError()
    const view = await deps.exchange.decideAsSubject(id, extractBearer(req.headers.authorization), req.body, requestId(req, res))
    res.setHeader('Cache-Control', 'no-store')
    res.status(200).json(view)
  })

  router.use(function stsErrors(error: unknown, req: Request, res: Response, next: NextFunction) {
    if (res.headersSent) return next(error)
    const id = requestId(req, res)
    const refuse = (answered: StsError): void => {
      if (req.path === TOKEN_PATH) deps.metrics?.tokenRequests.inc({ grant: (res.locals.grant as string | undefined) ?? 'unread', outcome: answered.wireCode })
      sendError(res, answered, id)
    }
    const type = (error as { type?: string }).type
    const status = (error as { status?: number }).status
    if (type === 'entity.too.large') return refuse(new TokenRequestTooLargeError())
    // Any other refusal by the body reader (bad encoding, unsupported Content-Encoding) is the caller's.
    if (type !== undefined && typeof status === 'number' && status < 500) return refuse(new TokenRequestInvalidError('malformed request body'))
    // SQLite busy beyond its wait (another process holds the write lock): retryable, not a bug.
    if ((error as { code?: string })?.code === 'SQLITE_BUSY' || ((error as { cause?: { code?: string } })?.cause?.code === 'SQLITE_BUSY')) {
      return refuse(new StsUnavailableError('database busy', { cause: error }))
    }
    if (error instanceof StsError) {
      if (error.status >= 500) deps.onError?.(error.cause ?? error, id)
      return refuse(error)
    }
    deps.onError?.(error, id)
    refuse(new StsInternalError('unexpected error', { cause: error }))
  })
  return router
}
