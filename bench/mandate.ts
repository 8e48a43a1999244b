// Mandate cost against plain jose in the same run: full verification (signature, claims,
// revocation anchors) versus jose.jwtVerify configured like Caracal's verifier, and minting
// versus jose's SignJWT with the same key. Goal: verification no slower than plain jose.
import { SignJWT, jwtVerify } from 'jose'
import { KeyRing } from '../src/keys/index.js'
import { InMemoryRevocationStore, REQUIRED_CLAIMS, authenticateMandate, mintMandate, type MandateClaims } from '../src/mandate/index.js'
import { formatMeasurement, measure, measureAsync, type MeasureOptions } from './harness.js'

export async function benchMandate(options?: MeasureOptions): Promise<void> {
  const ring = new KeyRing()
  const key = ring.signingKey('zone-1')
  const issuer = 'https://sts.example.test'
  const now = Math.floor(Date.now() / 1000)
  const claims: MandateClaims = {
    iss: issuer, sub: 'app-1', aud: ['resource://files/read'], exp: now + 900, iat: now, jti: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    zone_id: 'zone-1', client_id: 'app-1', scope: 'files:read files:list', sid: 'ar-2', root_sid: 'ar-1', use: 'resource',
    sub_type: 'application', target: ['resource://files/read'], agent_session_id: 'sess-1', delegation_edge_id: 'edge-1',
    source_session_id: 'sess-0', target_session_id: 'sess-1', delegation_path: ['edge-1'],
    delegation_chain: [{ application_id: 'app-0', agent_session_id: 'sess-0', delegation_edge_id: 'edge-1' }, { application_id: 'app-1', agent_session_id: 'sess-1' }],
    hop_count: 1, delegation_graph_epoch: 3,
  }
  const token = mintMandate(claims, key)
  const verifyOptions = { issuer, audience: 'resource://files/read', zoneId: 'zone-1', requiredScopes: ['files:read'], requireSession: true }
  const deps = { keys: ring, revocations: new InMemoryRevocationStore() }
  const check = await authenticateMandate(token, verifyOptions, deps)
  if (!check.ok) throw new Error(`bench mandate does not verify: ${check.error.wireCode}`)
  const joseOptions = { algorithms: ['ES256'], issuer, audience: 'resource://files/read', clockTolerance: 60, requiredClaims: [...REQUIRED_CLAIMS] }

  console.log(`token ${token.length} B, delegated resource mandate`)
  const jose = await measureAsync('  baseline: jose.jwtVerify (signature + claims)', () => jwtVerify(token, key.publicKey, joseOptions), options)
  const ours = await measureAsync('  ours: authenticateMandate (+ claim types, 4 anchors)', () => authenticateMandate(token, verifyOptions, deps), options)
  for (const m of [jose, ours]) console.log(formatMeasurement(m))
  console.log(`  ratio ours / jose time per verification: ${(ours.microsPerOp / jose.microsPerOp).toFixed(2)} (goal ≤ 1.00: ${ours.microsPerOp <= jose.microsPerOp ? 'meets' : 'MISSES'})`)

  const { jti: _jti, ...rest } = claims
  const joseSign = await measureAsync('  baseline: jose SignJWT', () => new SignJWT({ ...rest }).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' }).setJti(claims.jti).sign(key.privateKey), options)
  const oursSign = measure('  ours: mintMandate', () => mintMandate(claims, key), options)
  for (const m of [joseSign, oursSign]) console.log(formatMeasurement(m))
  console.log(`  ratio ours / jose time per mint: ${(oursSign.microsPerOp / joseSign.microsPerOp).toFixed(2)}`)
}
