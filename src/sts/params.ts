// The token request's parameters (contract §1.2), read from the parsed form with Caracal's rules:
// refused parameters, the subject_token/subject_token_type pairing, the canonical resource set,
// ttl_seconds as a positive integer, and a length bound on every identifier.
import { parseScope } from '../mandate/index.js'
import { TokenRequestInvalidError } from './errors.js'

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
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

export function readTokenRequest(form: Map<string, string[]>): TokenRequest {
  for (const refused of ['actor_token', 'client_assertion', 'client_assertion_type']) {
    if (form.has(refused)) throw new TokenRequestInvalidError(`${refused} is not supported; authenticate with application_id and client_secret`)
  }
  const grantType = single(form, 'grant_type')
  if (grantType !== TOKEN_EXCHANGE_GRANT) throw new TokenRequestInvalidError('unsupported grant_type')

  const subjectToken = single(form, 'subject_token', MAX_TOKEN)
  const subjectTokenType = single(form, 'subject_token_type')
  if ((subjectToken === undefined) !== (subjectTokenType === undefined)) throw new TokenRequestInvalidError('subject_token and subject_token_type go together')
  if (subjectTokenType !== undefined && subjectTokenType !== ACCESS_TOKEN_TYPE && subjectTokenType !== ID_TOKEN_TYPE) {
    throw new TokenRequestInvalidError('unsupported subject_token_type')
  }

  const resources = (form.get('resource') ?? []).map((r) => r.trim())
  if (resources.some((r) => r === '')) throw new TokenRequestInvalidError('empty resource')
  if (resources.some((r) => r.length > MAX_ID)) throw new TokenRequestInvalidError('resource is too long')

  const ttl = single(form, 'ttl_seconds')
  if (ttl !== undefined && !/^[1-9][0-9]{0,8}$/.test(ttl)) throw new TokenRequestInvalidError('ttl_seconds must be a positive integer')

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
    ttlSeconds: ttl === undefined ? undefined : Number(ttl),
    sessionId: identifier(form, 'session_id'),
    agentSessionId,
    delegationEdgeId,
    approvalId: identifier(form, 'approval_id'),
  }
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (request as unknown as Record<string, unknown>)[key] = value
  return request
}
