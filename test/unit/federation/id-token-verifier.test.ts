// Proves the federated id_token verifier believes a token only when the issuer it names is trusted
// by the zone and the token verifies against that issuer's own keys, algorithms and audience, over
// real HTTP to a JWK Set server; that every other token is a FederatedTokenInvalidError and yields
// no identity; and that keys that cannot be fetched are a FederationUnavailableError instead.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, base64url, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FederatedTokenInvalidError, FederationUnavailableError, IdTokenVerifier, MAX_ID_TOKEN_BYTES, type TrustedIssuer } from '../../../src/federation/index.js'

const NOW_MS = 1_790_000_000_000
const NOW_S = NOW_MS / 1000
const now = () => NOW_MS

interface KeyPair {
  publicKey: CryptoKey
  privateKey: CryptoKey
}

let server: Server
let closedPort: number
let base: string
/** JWK Set documents served per path; requests counted per path. */
const documents = new Map<string, { status: number; body: unknown }>()
const hits = new Map<string, number>()

let rsaA: KeyPair
let ecA: KeyPair
let rsaB: KeyPair
let ecB: KeyPair
let issuerA: TrustedIssuer
let issuerB: TrustedIssuer

async function publicJwk(key: CryptoKey, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, alg, use: 'sig' }
}

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)))
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? ''
    hits.set(path, (hits.get(path) ?? 0) + 1)
    if (path === '/hang/jwks') return // never answers: the verifier's timeout must fire
    const doc = documents.get(path)
    if (doc === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(doc.status, { 'content-type': 'application/json' }).end(JSON.stringify(doc.body))
  })
  base = `http://127.0.0.1:${await listen(server)}`

  const closed = createServer()
  closedPort = await listen(closed)
  await new Promise<void>((resolve) => closed.close(() => resolve()))

  ;[rsaA, ecA, rsaB, ecB] = await Promise.all([generateKeyPair('RS256'), generateKeyPair('ES256'), generateKeyPair('RS256'), generateKeyPair('ES256')])
  documents.set('/a/jwks', { status: 200, body: { keys: [await publicJwk(rsaA.publicKey, 'rsa-a', 'RS256'), await publicJwk(ecA.publicKey, 'ec-a', 'ES256')] } })
  documents.set('/b/jwks', { status: 200, body: { keys: [await publicJwk(rsaB.publicKey, 'rsa-b', 'RS256'), await publicJwk(ecB.publicKey, 'ec-b', 'ES256')] } })
  documents.set('/broken/jwks', { status: 500, body: { error: 'boom' } })
  documents.set('/notjwks/jwks', { status: 200, body: { hello: 'world' } })
  issuerA = { issuer: `${base}/a`, jwksUri: `${base}/a/jwks`, audience: 'client-a' }
  issuerB = { issuer: `${base}/b`, jwksUri: `${base}/b/jwks`, audience: ['client-b', 'client-b2'], algorithms: ['ES256', 'RS256'] }
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function claims(overrides: JWTPayload = {}): JWTPayload {
  return { iss: issuerA.issuer, sub: 'user-1', aud: 'client-a', iat: NOW_S - 10, exp: NOW_S + 300, ...overrides }
}

function sign(key: CryptoKey | Uint8Array, alg: string, kid: string | undefined, payload: JWTPayload): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(kid === undefined ? { alg, typ: 'JWT' } : { alg, kid, typ: 'JWT' }).sign(key)
}

const verifierA = () => new IdTokenVerifier([issuerA], { now })

/** Asserts the token is refused as invalid, with a detail naming why and no identity leaking out. */
async function expectInvalid(verifier: IdTokenVerifier, token: string, detail: RegExp): Promise<FederatedTokenInvalidError> {
  const error = await verifier.verify(token).then(
    (identity) => {
      throw new Error(`believed ${JSON.stringify(identity)}`)
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(FederatedTokenInvalidError)
  const invalid = error as FederatedTokenInvalidError
  expect(invalid).toMatchObject({ code: 'ERR_FEDERATION_TOKEN_INVALID', status: 401, expose: true })
  expect(invalid.detail).toMatch(detail)
  if (token.length > 20) {
    expect(invalid.message).not.toContain(token)
    expect(invalid.detail).not.toContain(token)
    expect(invalid.detail).not.toContain(token.split('.')[1] ?? token)
  }
  return invalid
}

async function expectUnavailable(verifier: IdTokenVerifier, token: string, detail: RegExp): Promise<void> {
  const error = await verifier.verify(token).then(
    (identity) => {
      throw new Error(`believed ${JSON.stringify(identity)}`)
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(FederationUnavailableError)
  expect(error).toMatchObject({ code: 'ERR_FEDERATION_UNAVAILABLE', status: 503, expose: false })
  expect((error as FederationUnavailableError).detail).toMatch(detail)
  expect((error as Error).message).not.toContain(token)
}

describe('IdTokenVerifier: tokens that verify', () => {
  it('accepts an RS256 id_token of a trusted issuer and returns frozen claims', async () => {
    const token = await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ email: 'ada@example.com', groups: ['ops'] }))
    const identity = await verifierA().verify(token)
    expect(identity.issuer).toBe(issuerA.issuer)
    expect(identity.subject).toBe('user-1')
    expect(identity.claims).toMatchObject({ email: 'ada@example.com', groups: ['ops'], aud: 'client-a' })
    expect(Object.isFrozen(identity.claims)).toBe(true)
    expect(Object.isFrozen(identity.claims.groups)).toBe(true)
  })

  it('accepts an ES256 id_token', async () => {
    const token = await sign(ecA.privateKey, 'ES256', 'ec-a', claims({ sub: 'user-es' }))
    await expect(verifierA().verify(token)).resolves.toMatchObject({ issuer: issuerA.issuer, subject: 'user-es' })
  })

  it('accepts a token expired by less than the clock tolerance', async () => {
    const token = await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ exp: NOW_S - 30 }))
    await expect(verifierA().verify(token)).resolves.toMatchObject({ subject: 'user-1' })
  })

  it('accepts a 512-byte multi-byte subject byte for byte', async () => {
    const subject = '€'.repeat(170) + 'ab' // 170 × 3 + 2 = 512 bytes
    expect(Buffer.byteLength(subject)).toBe(512)
    const token = await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ sub: subject }))
    const identity = await verifierA().verify(token)
    expect(identity.subject).toBe(subject)
  })

  it('verifies two issuers of one zone each with its own keys, fetching each JWK Set once', async () => {
    hits.clear()
    const verifier = new IdTokenVerifier([issuerA, issuerB], { now })
    const fromA = await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims())
    const fromB = await sign(ecB.privateKey, 'ES256', 'ec-b', claims({ iss: issuerB.issuer, aud: 'client-b2', sub: 'user-b' }))
    await expect(verifier.verify(fromA)).resolves.toMatchObject({ issuer: issuerA.issuer, subject: 'user-1' })
    await expect(verifier.verify(fromB)).resolves.toMatchObject({ issuer: issuerB.issuer, subject: 'user-b' })
    await expect(verifier.verify(fromA)).resolves.toMatchObject({ issuer: issuerA.issuer })
    await expect(verifier.verify(fromB)).resolves.toMatchObject({ issuer: issuerB.issuer })
    expect(Object.fromEntries(hits)).toEqual({ '/a/jwks': 1, '/b/jwks': 1 })
  })

  it('tries each matching key when the token names no kid', async () => {
    const extra = await generateKeyPair('RS256')
    documents.set('/nokid/jwks', { status: 200, body: { keys: [await publicJwk(extra.publicKey, 'x', 'RS256'), await publicJwk(rsaA.publicKey, 'y', 'RS256')] } })
    const trusted = { issuer: `${base}/nokid`, jwksUri: `${base}/nokid/jwks`, audience: 'client-a' }
    const verifier = new IdTokenVerifier([trusted], { now })
    const token = await sign(rsaA.privateKey, 'RS256', undefined, claims({ iss: trusted.issuer }))
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'user-1' })
    const foreign = await sign((await generateKeyPair('RS256')).privateKey, 'RS256', undefined, claims({ iss: trusted.issuer }))
    await expectInvalid(verifier, foreign, /signature verification failed/)
  })
})

describe('IdTokenVerifier: tokens that do not verify', () => {
  it('refuses alg none without fetching any key', async () => {
    hits.clear()
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))
    const payload = base64url.encode(JSON.stringify(claims()))
    await expectInvalid(verifierA(), `${header}.${payload}.`, /"alg" is not allowed/)
    expect(hits.size).toBe(0)
  })

  it('refuses HS256 signed with the RSA public key as the HMAC secret', async () => {
    const secret = new TextEncoder().encode(await exportSPKI(rsaA.publicKey))
    const token = await sign(secret, 'HS256', 'rsa-a', claims())
    await expectInvalid(verifierA(), token, /"alg" is not allowed/)
    // Even an issuer trusted with RS256 only, with the JWK's own bytes, does not change the answer.
    const jwkSecret = new TextEncoder().encode(JSON.stringify(await exportJWK(rsaA.publicKey)))
    await expectInvalid(verifierA(), await sign(jwkSecret, 'HS256', 'rsa-a', claims()), /"alg" is not allowed/)
  })

  it('refuses an algorithm the issuer is not trusted with', async () => {
    const verifier = new IdTokenVerifier([{ ...issuerA, algorithms: ['RS256'] }], { now })
    await expectInvalid(verifier, await sign(ecA.privateKey, 'ES256', 'ec-a', claims()), /"alg" is not allowed/)
  })

  it('refuses an unknown kid', async () => {
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'nope', claims()), /no key of the issuer matches/)
  })

  it("refuses a token naming a trusted issuer but signed with another issuer's key", async () => {
    const verifier = new IdTokenVerifier([issuerA, issuerB], { now })
    await expectInvalid(verifier, await sign(rsaB.privateKey, 'RS256', 'rsa-b', claims()), /no key of the issuer matches/)
    await expectInvalid(verifier, await sign(rsaB.privateKey, 'RS256', 'rsa-a', claims()), /signature verification failed/)
    await expectInvalid(verifier, await sign(ecB.privateKey, 'ES256', 'ec-a', claims()), /signature verification failed/)
  })

  it('refuses an issuer the zone does not trust, even when signed with a trusted key', async () => {
    hits.clear()
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ iss: `${base}/evil` })), /issuer is not trusted for this zone/)
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ iss: `${issuerA.issuer}/` })), /issuer is not trusted/)
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ iss: undefined })), /issuer is not trusted/)
    expect(hits.size).toBe(0)
  })

  it('refuses a token issued to another audience', async () => {
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ aud: 'client-b' })), /"aud"/)
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ aud: ['other', 'client-A'] })), /"aud"/)
  })

  it('refuses a token expired beyond the clock tolerance', async () => {
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ exp: NOW_S - 61 })), /expired/)
  })

  it('refuses a token not yet valid beyond the tolerance', async () => {
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ nbf: NOW_S + 120 })), /"nbf"/)
  })

  it('refuses missing sub, exp or iat', async () => {
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ sub: undefined })), /missing required "sub"/)
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ exp: undefined })), /missing required "exp"/)
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ iat: undefined })), /missing required "iat"/)
  })

  it('refuses a sub that is empty, not a string, over 512 bytes, or not well-formed', async () => {
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ sub: '' })), /non-empty string/)
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', { ...claims(), sub: 42 as unknown as string }), /non-empty string/)
    const subject = '€'.repeat(171) // 513 bytes, 171 characters
    expect(Buffer.byteLength(subject)).toBe(513)
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ sub: subject })), /exceeds 512 bytes/)
    await expectInvalid(verifierA(), await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ sub: 'user\uD800' })), /well-formed/)
  })

  it('refuses an oversized token before reading it', async () => {
    hits.clear()
    const token = await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ pad: 'x'.repeat(MAX_ID_TOKEN_BYTES) }))
    expect(token.length).toBeGreaterThan(MAX_ID_TOKEN_BYTES)
    await expectInvalid(verifierA(), token, /exceeds 16384 bytes/)
    expect(hits.size).toBe(0)
  })

  it('refuses malformed tokens: empty, wrong part count, bad base64url, bad JSON', async () => {
    const verifier = verifierA()
    const good = await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims())
    const [h, p, s] = good.split('.') as [string, string, string]
    await expectInvalid(verifier, '', /empty/)
    await expectInvalid(verifier, 'a.b', /well-formed/)
    await expectInvalid(verifier, `${h}.${p}`, /well-formed/)
    await expectInvalid(verifier, `${h}.${p}.${s}.x.y`, /well-formed/)
    await expectInvalid(verifier, `!!!.${p}.${s}`, /well-formed/)
    await expectInvalid(verifier, `${h}.***.${s}`, /well-formed/)
    await expectInvalid(verifier, `${base64url.encode('{"alg":')}.${p}.${s}`, /well-formed/)
    await expectInvalid(verifier, `${h}.${base64url.encode('not json')}.${s}`, /well-formed/)
    await expectInvalid(verifier, `${h}.${base64url.encode('["array"]')}.${s}`, /well-formed/)
    // A well-formed header and payload with a signature that is not base64url.
    await expectInvalid(verifier, `${h}.${p}.${s.slice(0, -4)}!!!!`, /ERR_JWS_INVALID|signature/)
    // A valid signature moved onto a tampered payload.
    await expectInvalid(verifier, `${h}.${base64url.encode(JSON.stringify(claims({ sub: 'admin' })))}.${s}`, /signature verification failed/)
  })
})

describe('IdTokenVerifier: keys that cannot be fetched', () => {
  async function tokenFor(path: string): Promise<{ verifier: IdTokenVerifier; token: string }> {
    const trusted = { issuer: `${base}${path}`, jwksUri: `${base}${path}/jwks`, audience: 'client-a' }
    return { verifier: new IdTokenVerifier([trusted], { now, fetchTimeoutMs: 300 }), token: await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ iss: trusted.issuer })) }
  }

  it('is unavailable when the JWK Set server answers 500', async () => {
    const { verifier, token } = await tokenFor('/broken')
    await expectUnavailable(verifier, token, /Expected 200 OK/)
  })

  it('is unavailable when the JWK Set is not a JWK Set', async () => {
    const { verifier, token } = await tokenFor('/notjwks')
    await expectUnavailable(verifier, token, /malformed/)
  })

  it('is unavailable when nothing listens on the JWK Set port', async () => {
    const trusted = { issuer: 'http://127.0.0.1/closed', jwksUri: `http://127.0.0.1:${closedPort}/jwks`, audience: 'client-a' }
    const verifier = new IdTokenVerifier([trusted], { now })
    await expectUnavailable(verifier, await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ iss: trusted.issuer })), /ECONNREFUSED|fetch failed/)
  })

  it('is unavailable when the JWK Set server does not answer in time', async () => {
    const { verifier, token } = await tokenFor('/hang')
    await expectUnavailable(verifier, token, /timed out/)
  })

  it('recovers once the JWK Set can be fetched again', async () => {
    const trusted = { issuer: `${base}/flaky`, jwksUri: `${base}/flaky/jwks`, audience: 'client-a' }
    const verifier = new IdTokenVerifier([trusted], { now })
    const token = await sign(rsaA.privateKey, 'RS256', 'rsa-a', claims({ iss: trusted.issuer }))
    documents.set('/flaky/jwks', { status: 503, body: {} })
    await expectUnavailable(verifier, token, /Expected 200 OK/)
    documents.set('/flaky/jwks', documents.get('/a/jwks')!)
    await expect(verifier.verify(token)).resolves.toMatchObject({ issuer: trusted.issuer, subject: 'user-1' })
  })
})

describe('IdTokenVerifier: configuration it refuses', () => {
  it('refuses symmetric or none algorithms, duplicate issuers and bad options', () => {
    expect(() => new IdTokenVerifier([{ ...issuerA, algorithms: ['HS256' as 'RS256'] }])).toThrow(TypeError)
    expect(() => new IdTokenVerifier([{ ...issuerA, algorithms: ['none' as 'RS256'] }])).toThrow(TypeError)
    expect(() => new IdTokenVerifier([{ ...issuerA, algorithms: [] }])).toThrow(TypeError)
    expect(() => new IdTokenVerifier([issuerA, { ...issuerA }])).toThrow(/more than once/)
    expect(() => new IdTokenVerifier([{ ...issuerA, audience: [] }])).toThrow(TypeError)
    expect(() => new IdTokenVerifier([issuerA], { fetchTimeoutMs: 0 })).toThrow(TypeError)
    expect(() => new IdTokenVerifier([issuerA], { clockToleranceSeconds: -1 })).toThrow(TypeError)
  })
})
