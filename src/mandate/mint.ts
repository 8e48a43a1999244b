// Signs a mandate: the claim set of contract §2.2 under the zone's active ES256 key. The STS
// decides what goes in it (class, audience, TTL caps); this function only refuses a claim set
// that Caracal's verifiers would not accept, so nothing we sign is unverifiable.
import type { SigningKey } from '../keys/index.js'
import type { MandateClaims } from './claims.js'
import { signCompactEs256 } from './jws.js'

const isNonEmpty = (s: unknown): s is string => typeof s === 'string' && s !== ''

function checkClaims(c: MandateClaims, key: SigningKey): void {
  for (const name of ['iss', 'sub', 'jti', 'zone_id', 'client_id', 'sid', 'root_sid'] as const) {
    if (!isNonEmpty(c[name])) throw new TypeError(`mandate claim ${name} must be a non-empty string`)
  }
  if (c.zone_id !== key.zoneId) throw new TypeError(`mandate for zone ${c.zone_id} cannot be signed with a key of zone ${key.zoneId}`)
  if (!Array.isArray(c.aud) || c.aud.length === 0 || !c.aud.every(isNonEmpty)) throw new TypeError('mandate claim aud must be a non-empty array of strings')
  if (!Number.isSafeInteger(c.iat) || !Number.isSafeInteger(c.exp) || c.iat < 0 || c.exp <= c.iat) throw new TypeError('mandate iat/exp must be integers with exp after iat')
  if ('nbf' in c) throw new TypeError('mandates carry no nbf')
  for (const name of ['hop_count', 'delegation_graph_epoch'] as const) {
    const v = c[name]
    if (v !== undefined && (!Number.isSafeInteger(v) || v <= 0)) throw new TypeError(`mandate claim ${name} is a positive integer, omitted when 0`)
  }
  if (c.scope !== undefined && !isNonEmpty(c.scope)) throw new TypeError('mandate claim scope is omitted when empty')
}

export function mintMandate(claims: MandateClaims, key: SigningKey): string {
  checkClaims(claims, key)
  // Drop absent optional claims so the payload carries exactly the contract's claim set.
  const payload = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined))
  return signCompactEs256(key.kid, payload, key.privateKey)
}
