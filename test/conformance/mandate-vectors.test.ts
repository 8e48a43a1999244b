// Runs every fixtures/mandate vector through the verifier (contract §3): a precomputed token,
// the test-only keys of fixtures/keys, a fixed clock, the options and revocation state the
// vector names, and the exact expected outcome. Covers every code of §3.4 and the hostile
// inputs of RFC 8725. Verification changes no state: the store is checked unchanged afterwards.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { VerificationKeys } from '../../src/keys/index.js'
import { DEFAULT_MAX_REVOCATIONS, InMemoryRevocationStore, authenticateMandate, type VerifyOptions } from '../../src/mandate/index.js'
import { packageRoot } from '../../src/util/package-root.js'
import { readVectors } from '../helpers/vectors.js'

interface MandateVector {
  id: string
  description: string
  source: string
  token: string
  now: number
  options: VerifyOptions
  revoked?: string[]
  store_epoch?: number
  expect: { ok: true; mandate: Record<string, unknown> } | { error: string; status: number; error_description?: string }
}

const root = packageRoot()
const vectors = readVectors<MandateVector>('mandate', ['description', 'source', 'token', 'now', 'options', 'revoked', 'store_epoch', 'expect'])

/** The public halves of the test-only keys, each visible only inside its own zone. */
function testKeys(): VerificationKeys {
  const byZone = new Map<string, Map<string, KeyObject>>()
  for (const file of readdirSync(join(root, 'fixtures', 'keys'))) {
    const k = JSON.parse(readFileSync(join(root, 'fixtures', 'keys', file), 'utf8'))
    const publicKey = createPublicKey(createPrivateKey({ key: k.private_jwk, format: 'jwk' }))
    byZone.set(k.zone_id, new Map([[k.kid, publicKey]]))
  }
  return { verificationKey: (zoneId, kid) => byZone.get(zoneId)?.get(kid) }
}
const keys = testKeys()

describe('mandate vectors', () => {
  it.each(vectors.map((v) => [v.id, v] as const))('%s', async (_id, v) => {
    const nowMs = v.now * 1000
    const store = new InMemoryRevocationStore({ now: () => nowMs })
    for (const anchor of v.revoked ?? []) store.markRevoked(anchor)
    if (v.store_epoch !== undefined) store.markDelegationEpoch(v.options.zoneId, v.store_epoch)
    const before = JSON.stringify([...(v.revoked ?? [])].map((a) => store.isRevoked(a)))

    const result = await authenticateMandate(v.token, v.options, { keys, revocations: store, now: () => nowMs })

    if ('ok' in v.expect) {
      expect(result.ok, result.ok ? '' : `${result.error.wireCode}: ${result.error.detail}`).toBe(true)
      if (result.ok) expect(result.mandate).toMatchObject(v.expect.mandate)
    } else {
      expect(result.ok).toBe(false)
      if (!result.ok) {
        expect({ error: result.error.wireCode, status: result.error.status }).toEqual({ error: v.expect.error, status: v.expect.status })
        if (v.expect.error_description) expect(result.error.message).toBe(v.expect.error_description)
        expect(result.error.toBody().error).toBe(v.expect.error)
      }
    }
    expect(JSON.stringify([...(v.revoked ?? [])].map((a) => store.isRevoked(a)))).toBe(before)
  })

  it('cover every verifier code of contract §3.4', () => {
    const codes = new Set(vectors.map((v) => ('error' in v.expect ? v.expect.error : 'ok')))
    for (const code of ['ok', 'missing_token', 'invalid_token', 'invalid_zone', 'session_revoked', 'delegation_stale', 'insufficient_scope', 'session_required', 'delegation_required', 'chain_mismatch', 'hop_count_exceeded']) {
      expect(codes, code).toContain(code)
    }
  })

  it('never print a token in an error message or detail', async () => {
    for (const v of vectors) {
      const result = await authenticateMandate(v.token, v.options, { keys, revocations: new InMemoryRevocationStore({ maxEntries: DEFAULT_MAX_REVOCATIONS }), now: () => v.now * 1000 })
      if (!result.ok && v.token.length > 20) {
        for (const part of v.token.split('.').filter((p) => p.length > 16)) {
          expect(`${result.error.message} ${result.error.detail ?? ''}`).not.toContain(part)
        }
      }
    }
  })
})
