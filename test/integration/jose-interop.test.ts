// Proves our mandates are what Caracal's verifier expects: plain jose, configured as Caracal's
// identity package (ES256 only, issuer, audience, 60 s tolerance, the required claims), verifies
// a mandate we mint against the zone's JWKS fetched over HTTP on loopback — including one signed
// by the previous key during its rotation grace. The JWKS is served by a bare node:http server
// here; the STS's own endpoint is tested with the STS.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JWKS_HEADERS, KeyRing } from '../../src/keys/index.js'
import { REQUIRED_CLAIMS, mintMandate, type MandateClaims } from '../../src/mandate/index.js'

const ring = new KeyRing()
let server: Server
let issuer: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const doc = url.pathname === '/.well-known/jwks.json' ? ring.jwks(url.searchParams.get('zone_id') ?? '') : undefined
    if (!doc) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"resource_not_found"}')
      return
    }
    res.writeHead(200, { 'Content-Type': 'application/json', ...JWKS_HEADERS }).end(JSON.stringify(doc))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function claims(): MandateClaims {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: issuer, sub: 'app-1', aud: ['resource://files/read'], exp: now + 300, iat: now, jti: 'j-1', zone_id: 'zone-1', client_id: 'app-1',
    scope: 'files:read', sid: 'ar-1', root_sid: 'ar-1', use: 'resource', sub_type: 'application', target: ['resource://files/read'],
  }
}

function caracalVerify(token: string) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json?zone_id=zone-1`))
  return jwtVerify(token, jwks, {
    algorithms: ['ES256'],
    issuer,
    audience: 'resource://files/read',
    clockTolerance: 60,
    requiredClaims: [...REQUIRED_CLAIMS],
  })
}

describe('mandates verified by plain jose against our JWKS over HTTP', () => {
  it('verifies a mandate signed with the active key', async () => {
    const token = mintMandate(claims(), ring.signingKey('zone-1'))
    const { payload, protectedHeader } = await caracalVerify(token)
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' })
    expect(payload).toMatchObject({ zone_id: 'zone-1', scope: 'files:read', use: 'resource' })
  })

  it('verifies a mandate signed just before a rotation', async () => {
    const before = mintMandate(claims(), ring.signingKey('zone-1'))
    ring.rotate('zone-1')
    await expect(caracalVerify(before)).resolves.toBeDefined()
    await expect(caracalVerify(mintMandate(claims(), ring.signingKey('zone-1')))).resolves.toBeDefined()
  })

  it('serves the JWKS with Caracal\'s cache headers, and 404 for a zone without keys', async () => {
    ring.signingKey('zone-1')
    const ok = await fetch(`${issuer}/.well-known/jwks.json?zone_id=zone-1`)
    expect(ok.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate')
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff')
    expect((await fetch(`${issuer}/.well-known/jwks.json?zone_id=zone-9`)).status).toBe(404)
  })
})
