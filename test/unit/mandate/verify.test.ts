// Behaviour of verification beyond the fixed vectors: a minted mandate round-trips, a store that
// fails or is absent rejects, bearer extraction follows contract §3.8 in linear time, and the
// minting side refuses claim sets a verifier would reject.
import { describe, expect, it } from 'vitest'
import { KeyRing } from '../../../src/keys/index.js'
import {
  InMemoryRevocationStore,
  authenticateMandate,
  checkActiveAuthority,
  extractBearer,
  mintMandate,
  verifyMandateIdentity,
  type MandateClaims,
  type RevocationStore,
} from '../../../src/mandate/index.js'

const NOW = 1_790_000_100_000
const ISS = 'http://127.0.0.1:8080'
const ring = new KeyRing()
const key = ring.signingKey('zone-1', NOW)
const claims: MandateClaims = {
  iss: ISS, sub: 'app-1', aud: ['resource://files/read'], exp: 1_790_000_400, iat: 1_790_000_100, jti: 'j-1', zone_id: 'zone-1',
  client_id: 'app-1', scope: 'files:read', sid: 'ar-1', root_sid: 'ar-0', use: 'resource', sub_type: 'application',
  target: ['resource://files/read'], agent_session_id: 'sess-1',
}
const options = { issuer: ISS, audience: 'resource://files/read', zoneId: 'zone-1' }
const deps = (revocations: RevocationStore | undefined) => ({ keys: ring, revocations, now: () => NOW })

describe('authenticateMandate', () => {
  it('accepts what mintMandate signs', async () => {
    const result = await authenticateMandate(mintMandate(claims, key), options, deps(new InMemoryRevocationStore()))
    expect(result.ok && result.mandate).toMatchObject({ clientId: 'app-1', scope: ['files:read'], sessionId: 'sess-1', hopCount: 0 })
  })

  it('rejects when no revocation store is configured', async () => {
    const result = await authenticateMandate(mintMandate(claims, key), options, deps(undefined))
    expect(!result.ok && [result.error.wireCode, result.error.message]).toEqual(['invalid_token', 'Revocation store required'])
  })

  it('rejects when the revocation store fails (fail closed)', async () => {
    const failing: RevocationStore = { isRevoked: () => Promise.reject(new Error('redis down')), markRevoked: () => {} }
    const result = await authenticateMandate(mintMandate(claims, key), options, deps(failing))
    expect(!result.ok && result.error.wireCode).toBe('invalid_token')
  })

  it('queries every anchor once', async () => {
    const asked: string[] = []
    const store: RevocationStore = { isRevoked: (a) => (asked.push(a), false), markRevoked: () => {} }
    await authenticateMandate(mintMandate({ ...claims, delegation_edge_id: 'e-1', root_sid: 'ar-1' }, key), options, deps(store))
    expect(asked.sort()).toEqual(['ar-1', 'e-1', 'sess-1'])
  })

  it('does not look anything up for a missing token', async () => {
    const store: RevocationStore = { isRevoked: () => { throw new Error('called') }, markRevoked: () => {} }
    const keys = { verificationKey: () => { throw new Error('called') } }
    const result = await authenticateMandate('', options, { keys, revocations: store })
    expect(!result.ok && result.error.wireCode).toBe('missing_token')
  })

  it('accepts a gateway mandate only where the caller asks for that class', () => {
    const token = mintMandate({ ...claims, use: 'gateway', aud: [ISS] }, key)
    expect(() => verifyMandateIdentity(token, { ...options, audience: ISS }, ring, NOW)).toThrow(/Token validation failed/)
    expect(verifyMandateIdentity(token, { ...options, audience: ISS, requiredUse: 'gateway' }, ring, NOW).use).toBe('gateway')
  })
})

describe('checkActiveAuthority', () => {
  it('rejects a mandate at its exp exactly, without leeway', async () => {
    const mandate = verifyMandateIdentity(mintMandate(claims, key), options, ring, NOW)
    await expect(checkActiveAuthority(mandate, new InMemoryRevocationStore(), claims.exp * 1000)).rejects.toThrow('Token expired during execution')
    await expect(checkActiveAuthority(mandate, new InMemoryRevocationStore(), claims.exp * 1000 - 1)).resolves.toBeUndefined()
  })
})

describe('extractBearer', () => {
  it.each([
    ['Bearer x', 'x'],
    ['bearer x', 'x'],
    ['BEARER x', 'x'],
    ['Bearer\t x  ', 'x'],
    ['Bearer   ', null],
    ['Bearerx', null],
    ['Basic dXNlcjpwYXNz', null],
    [undefined, null],
    ['', null],
  ])('%j → %j', (header, token) => {
    expect(extractBearer(header)).toBe(token)
  })

  it('handles 100 000 spaces in linear time', () => {
    expect(extractBearer(`Bearer ${' '.repeat(100_000)}`)).toBeNull()
  })
})

describe('mintMandate', () => {
  it.each([
    ['a key of another zone', { ...claims, zone_id: 'zone-2' }],
    ['an nbf claim', { ...claims, nbf: 1 } as MandateClaims],
    ['an empty scope', { ...claims, scope: '' }],
    ['a zero hop_count', { ...claims, hop_count: 0 }],
    ['exp before iat', { ...claims, exp: claims.iat }],
    ['an empty aud', { ...claims, aud: [] }],
    ['an empty sid', { ...claims, sid: '' }],
  ])('refuses %s', (_what, bad) => {
    expect(() => mintMandate(bad, key)).toThrow(TypeError)
  })

  it('writes header alg ES256, typ JWT and the kid, and omits absent claims', () => {
    const [header, payload] = mintMandate(claims, key).split('.')
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    expect(Object.keys(JSON.parse(Buffer.from(payload!, 'base64url').toString())).sort()).toEqual(Object.keys(claims).sort())
  })
})
