// The cache of verified subject tokens must never accept what a fresh verification would refuse:
// a class not asked for, another zone, an expired token, or one whose key left the JWKS.
import { describe, expect, it } from 'vitest'
import { KeyRing, ROTATION_GRACE_MS } from '../../../src/keys/index.js'
import { mintMandate, type MandateClaims } from '../../../src/mandate/index.js'
import { VerifiedSubjects } from '../../../src/sts/subject-token.js'

const ISSUER = 'http://127.0.0.1:1'
const T0 = 1_800_000_000_000

function token(keys: KeyRing, overrides: Partial<MandateClaims> = {}): string {
  const iat = Math.floor(T0 / 1000)
  return mintMandate(
    { iss: ISSUER, sub: 'a', aud: [ISSUER], exp: iat + 900, iat, jti: 'j', zone_id: 'z', client_id: 'a', sid: 's', root_sid: 's', use: 'session', sub_type: 'application', agent_session_id: 'as', ...overrides },
    keys.signingKey('z', T0),
  )
}

describe('verified subject tokens', () => {
  it('re-checks class, zone and expiry on a cache hit', () => {
    const keys = new KeyRing()
    const subjects = new VerifiedSubjects({ issuer: ISSUER, keys })
    const t = token(keys)
    expect(subjects.verify(t, { uses: ['session'], nowMs: T0 }).sessionId).toBe('as')
    expect(() => subjects.verify(t, { uses: ['gateway'], nowMs: T0 })).toThrow(expect.objectContaining({ status: 401, message: 'invalid subject_token' }))
    expect(() => subjects.verify(t, { zoneId: 'other', uses: ['session'], nowMs: T0 })).toThrow(expect.objectContaining({ status: 401 }))
    expect(subjects.verify(t, { zoneId: 'z', uses: ['session'], nowMs: T0 + 1000 }).sessionId).toBe('as')
    expect(() => subjects.verify(t, { uses: ['session'], nowMs: T0 + 900_000 })).toThrow(expect.objectContaining({ detail: 'subject token expired' }))
  })

  it('stops accepting a token once its signing key is past the rotation grace', () => {
    const keys = new KeyRing()
    const subjects = new VerifiedSubjects({ issuer: ISSUER, keys })
    const t = token(keys, { exp: Math.floor(T0 / 1000) + 10 * 24 * 3600 })
    subjects.verify(t, { uses: ['session'], nowMs: T0 })
    keys.rotate('z', T0 + 1000)
    expect(subjects.verify(t, { uses: ['session'], nowMs: T0 + 2000 }).authorityRecordId).toBe('s')
    expect(() => subjects.verify(t, { uses: ['session'], nowMs: T0 + 1000 + ROTATION_GRACE_MS + 1 })).toThrow(expect.objectContaining({ status: 401 }))
  })

  it('refuses a token longer than its configured bound, which the default admits', () => {
    const keys = new KeyRing()
    const long = token(keys, { sub: 'a'.repeat(1500) })
    expect(Buffer.byteLength(long)).toBeGreaterThan(1024)
    expect(Buffer.byteLength(long)).toBeLessThan(4096)
    expect(new VerifiedSubjects({ issuer: ISSUER, keys }).verify(long, { uses: ['session'], nowMs: T0 }).sub).toBe('a'.repeat(1500))
    expect(() => new VerifiedSubjects({ issuer: ISSUER, keys, maxTokenBytes: 1024 }).verify(long, { uses: ['session'], nowMs: T0 })).toThrow(expect.objectContaining({ status: 401 }))
  })

  it('keeps at most its bound of entries', () => {
    const keys = new KeyRing()
    const subjects = new VerifiedSubjects({ issuer: ISSUER, keys, maxEntries: 2 })
    const tokens = ['1', '2', '3'].map((j) => token(keys, { jti: j }))
    for (const t of tokens) subjects.verify(t, { uses: ['session'], nowMs: T0 })
    for (const t of tokens) expect(subjects.verify(t, { uses: ['session'], nowMs: T0 }).jti).toBe(JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).jti)
  })
})
