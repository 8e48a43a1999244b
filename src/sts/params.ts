// The token request's parameters (contract §1.2), read from the parsed form with Caracal's rules:
// refused parameters, the subject_token/subject_token_type pairing, the canonical resource set,
// ttl_seconds as a positive integer, and a length bound on every identifier.
import { parseScope } from '../mandate/index.js'
import { TokenRequestInvalidError } from './errors.js'

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const CLIENT_CREDENTIALS_GRANT = 'client_credentials'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token'

const MAX_ID = 256
const MAX_TOKEN = 16 * 1024

export interface TokenRequest {
  grantType: typeof TOKEN_EXCHANGE_GRANT
  zoneId?: string
  applicationId?: string
  clientSecret?: string
  subjectToken?: string
  subjectTokenType?: typeof ACCESS_TOKEN_TYPE | typeof ID_TOKEN_TYPE
  /** Trimmed, de-duplicated, sorted. */
  resources: string[]
  /** Split on whitespace, de-duplicated, in order. */
  scopes: string[]
  ttlSeconds?: number
  sessionId?: string
  agentSessionId?: string
  delegationEdgeId?: string
  approvalId?: string
}

function single(form: Map<string, string[]>, name: string, max = MAX_ID): string | undefined {
  const value = form.get(name)?.[0]
  if (value === undefined) return undefined
  if (value.length > max) throw new TokenRequestInvalidError(`${name} is too long`)
  return value
}

function identifier(form: Map<string, string[]>, name: string): string | undefined {
  const value = single(form, name)
  if (value === undefined) return undefined
  if (value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value)) throw new TokenRequestInvalidError(`${name} is empty or has control characters`)
  return value
}

/**
 * Our addition: `grant_type=client_credentials` (RFC 6749 §4.4) for a new service session's agent
 * mandate. The client is `application_id` or the standard `client_id`, authenticated by
 * `client_secret` in the body or by HTTP Basic; `zone_id` defaults to the application's zone.
 * `scope` and `resource` (RFC 8707), which standard clients send, are accepted and ignored: an
 * agent mandate carries no resource authority, each tool group's is decided per call.
 */
export interface ClientCredentialsRequest {
  grantType: typeof CLIENT_CREDENTIALS_GRANT
  zoneId?: string
  applicationId?: string
  clientSecret?: string
  ttlSeconds?: number
}

function refuseUnsupported(form: Map<string, string[]>): void {
  for (const refused of ['actor_token', 'client_assertion', 'client_assertion_type']) {
    if (form.has(refused)) throw new TokenRequestInvalidError(`${refused} is not supported; authenticate with application_id and client_secret`)
  }
}

function ttlSeconds(form: Map<string, string[]>): number | undefined {
  const ttl = single(form, 'ttl_seconds')
  if (ttl !== undefined && !/^[1-9][0-9]{0,8}$/.test(ttl)) throw new TokenRequestInvalidError('ttl_seconds must be a positive integer')
  return ttl === undefined ? undefined : Number(ttl)
}

/** `Authorization: Basic` credentials (RFC 6749 §2.3.1: each part form-urlencoded). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header || !/^basic\s/i.test(header)) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) throw new TokenRequestInvalidError('malformed Basic credentials')
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) }
  } catch {
    throw new TokenRequestInvalidError('malformed Basic credentials')
  }
}

export function readClientCredentialsRequest(form: Map<string, string[]>, authorization?: string): ClientCredentialsRequest {
  refuseUnsupported(form)
  if (form.has('subject_token') || form.has('subject_token_type')) throw new TokenRequestInvalidError('client_credentials takes no subject_token')
  const fromForm = identifier(form, 'application_id') ?? identifier(form, 'client_id')
  if (form.has('application_id') && form.has('client_id') && single(form, 'application_id') !== single(form, 'client_id')) {
    throw new TokenRequestInvalidError('application_id and client_id differ')
  }
  const basic = basicCredentials(authorization)
  if (basic && (form.has('client_secret') || (fromForm !== undefined && fromForm !== basic.id))) {
    throw new TokenRequestInvalidError('authenticate with one method: Basic or client_secret in the body')
  }
  const request: ClientCredentialsRequest = { grantType: CLIENT_CREDENTIALS_GRANT }
  const zoneId = identifier(form, 'zone_id')
  const applicationId = basic?.id ?? fromForm
  const clientSecret = basic?.secret ?? single(form, 'client_secret')
  const ttl = ttlSeconds(form)
  if (zoneId !== undefined) request.zoneId = zoneId
  if (applicationId !== undefined) request.applicationId = applicationId
  if (clientSecret !== undefined) request.clientSecret = clientSecret
  if (ttl !== undefined) request.ttlSeconds = ttl
  return request
}

export function readTokenRequest(form: Map<string, string[]>, authorization?: string): TokenRequest {
  refuseUnsupported(form)
  const grantType = single(form, 'grant_type')
  if (grantType !== TOKEN_EXCHANGE_GRANT) throw new TokenRequestInvalidError('unsupported grant_type')
  // The metadata names client_secret_basic for client_credentials; the exchange, as Caracal's,
  // reads the secret from the body only, and says so rather than failing as a wrong secret.
  if (basicCredentials(authorization)) throw new TokenRequestInvalidError('the token-exchange grant takes client_secret in the form body; HTTP Basic is for grant_type=client_credentials')

  const subjectToken = single(form, 'subject_token', MAX_TOKEN)
  const subjectTokenType = single(form, 'subject_token_type')
  if ((subjectToken === undefined) !== (subjectTokenType === undefined)) throw new TokenRequestInvalidError('subject_token and subject_token_type go together')
  if (subjectTokenType !== undefined && subjectTokenType !== ACCESS_TOKEN_TYPE && subjectTokenType !== ID_TOKEN_TYPE) {
    throw new TokenRequestInvalidError('unsupported subject_token_type')
  }

  const resources = (form.get('resource') ?? []).map((r) => r.trim())
  if (resources.some((r) => r === '')) throw new TokenRequestInvalidError('empty resource')
  if (resources.some((r) => r.length > MAX_ID)) throw new TokenRequestInvalidError('resource is too long')

  const ttl = ttlSeconds(form)

  const agentSessionId = identifier(form, 'agent_session_id')
  const delegationEdgeId = identifier(form, 'delegation_edge_id')
  if (delegationEdgeId !== undefined && agentSessionId === undefined) throw new TokenRequestInvalidError('delegation_edge_id requires agent_session_id')

  const request: TokenRequest = {
    grantType,
    resources: [...new Set(resources)].sort(),
    scopes: parseScope(single(form, 'scope', 4096)),
  }
  const optional = {
    zoneId: identifier(form, 'zone_id'),
    applicationId: identifier(form, 'application_id'),
    clientSecret: single(form, 'client_secret'),
    subjectToken,
    subjectTokenType: subjectTokenType as TokenRequest['subjectTokenType'],
    ttlSeconds: ttl,
    sessionId: identifier(form, 'session_id'),
    agentSessionId,
    delegationEdgeId,
    approvalId: identifier(form, 'approval_id'),
  }
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (request as unknown as Record<string, unknown>)[key] = value
  return request
}
