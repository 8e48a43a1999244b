// Runs every fixtures/token-exchange vector against the STS over real HTTP on loopback (real
// SQLite, the committed policy wasm), checking status, body and headers, and that no refused
// request minted anything. Then the behaviours a vector cannot hold: the mandate verifies with
// our verifier and with jose against the JWKS endpoint, every decision is audited, and repeated
// authentication failures are rate limited.
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tokenFingerprint, verifyAuditChains } from '../../src/audit/index.js'
import { InMemoryRevocationStore, REQUIRED_CLAIMS, authenticateMandate } from '../../src/mandate/index.js'
import { encodeForm, startStsWorld, type StsWorld } from '../helpers/sts-world.js'
import { readVectors } from '../helpers/vectors.js'

interface ExchangeVector {
  id: string
  description: string
  source: string
  request: {
    method?: string
    path?: string
    content_type?: string
    content_encoding?: string
    form?: Record<string, string | string[]>
    raw_form?: [string, string][]
    raw?: string
    raw_hex?: string
    pad_bytes?: number
  }
  expect: { status: number; body: Record<string, unknown>; headers?: Record<string, string> }
}

const vectors = readVectors<ExchangeVector>('token-exchange', ['description', 'source', 'request', 'expect'])

/** The fields an interaction_required body adds, whose values each hold decides. */
const HOLD_FIELDS = { approval_id: expect.stringMatching(/^[0-9a-f-]{36}$/), binding: expect.stringMatching(/^[0-9a-f]{64}$/), approval_expires_at: expect.any(String) }

let world: StsWorld
beforeAll(async () => {
  world = await startStsWorld()
})
afterAll(() => world.close())

function bodyOf(r: ExchangeVector['request']): string | Uint8Array<ArrayBuffer> | undefined {
  if (r.raw_hex !== undefined) return new Uint8Array(Buffer.from(r.raw_hex, 'hex'))
  if (r.raw !== undefined) return r.raw
  const fields: [string, string][] = r.raw_form ?? Object.entries(r.form ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]]))
  if (r.pad_bytes) fields.push(['padding', 'a'.repeat(r.pad_bytes)])
  return r.method === 'GET' ? undefined : encodeForm(fields)
}

function send(r: ExchangeVector['request'], requestId = 'vector-request-1'): Promise<Response> {
  return fetch(`${world.url}${r.path ?? '/oauth/2/token'}`, {
    method: r.method ?? 'POST',
    headers: { 'content-type': r.content_type ?? 'application/x-www-form-urlencoded', 'x-request-id': requestId, ...(r.content_encoding && { 'content-encoding': r.content_encoding }) },
    body: bodyOf(r),
  })
}

const countRows = (table: string) => (world.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n

describe('token exchange vectors over HTTP', () => {
  it.each(vectors.map((v) => [v.id, v] as const))('%s', async (_id, v) => {
    const records = countRows('authority_records')
    const response = await send(v.request)
    const body = (await response.json()) as Record<string, unknown>
    expect(response.status, JSON.stringify(body)).toBe(v.expect.status)
    expect(body).toMatchObject(v.expect.body)
    expect(response.headers.get('x-request-id')).toBe('vector-request-1')
    expect(response.headers.get('cache-control')).toBe('no-store')
    for (const [name, value] of Object.entries(v.expect.headers ?? {})) expect(response.headers.get(name)).toBe(value)
    if (v.expect.status === 200) {
      expect(countRows('authority_records')).toBe(records + 1)
    } else {
      const hold = v.expect.body.error === 'interaction_required' ? HOLD_FIELDS : {}
      expect(body).toEqual({ ...v.expect.body, ...hold, error: v.expect.body.error, error_description: expect.any(String), requestId: 'vector-request-1' })
      expect(countRows('authority_records')).toBe(records)
      expect(JSON.stringify(body)).not.toContain('cmcs_')
    }
  })
})

describe('the bootstrap mandate', () => {
  const form = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', resource: 'resource://caracal/lifecycle', scope: 'agent:lifecycle' }

  async function bootstrap(requestId: string): Promise<string> {
    const response = await send({ form }, requestId)
    expect(response.status).toBe(200)
    return ((await response.json()) as { access_token: string }).access_token
  }

  it('verifies with our verifier as a use=session mandate for the issuer', async () => {
    const token = await bootstrap('req-verify')
    const result = await authenticateMandate(token, { issuer: world.issuer, audience: world.issuer, zoneId: 'zone-1', requiredUse: 'session', requiredScopes: ['agent:lifecycle'] }, { keys: world.keys, revocations: new InMemoryRevocationStore() })
    expect(result.ok && result.mandate).toMatchObject({ sub: 'app-1', clientId: 'app-1', subType: 'application', use: 'session', targetResources: ['resource://caracal/lifecycle'] })
    if (result.ok) expect(result.mandate.rootAuthorityRecordId).toBe(result.mandate.authorityRecordId)
  })

  it('verifies with plain jose against the JWKS endpoint over HTTP', async () => {
    const token = await bootstrap('req-jose')
    const jwks = createRemoteJWKSet(new URL(`${world.issuer}/.well-known/jwks.json?zone_id=zone-1`))
    const { payload } = await jwtVerify(token, jwks, { algorithms: ['ES256'], issuer: world.issuer, audience: world.issuer, clockTolerance: 60, requiredClaims: [...REQUIRED_CLAIMS] })
    expect(payload).toMatchObject({ zone_id: 'zone-1', use: 'session', scope: 'agent:lifecycle' })
    expect(payload).not.toHaveProperty('nbf')
  })

  it('is audited per resource, allow and deny, on an intact chain, without the secret', async () => {
    await send({ form: { ...form, resource: ['resource://caracal/lifecycle', 'resource://billing/ledger'] } as never }, 'req-audit')
    const rows = world.store.auditEvents.byRequestId('req-audit')
    expect(rows.map((r) => [JSON.parse(r.metadataJson).resource, r.decision, r.evaluationStatus])).toEqual([
      ['resource://billing/ledger', 'deny', 'resource_not_granted'],
      ['resource://caracal/lifecycle', 'allow', 'complete'],
    ])
    expect(JSON.stringify(rows)).not.toContain('cmcs_')
    expect(verifyAuditChains(world.store.auditEvents, world.auditKey, { zoneId: 'zone-1' }).map((z) => z.firstBreak)).toEqual([undefined])
  })

  it('audits an authentication failure in the named zone', async () => {
    await send({ form: { ...form, client_secret: 'cmcs_wrong' } }, 'req-auth-fail')
    expect(world.store.auditEvents.byRequestId('req-auth-fail')).toMatchObject([{ zoneId: 'zone-1', decision: 'deny', evaluationStatus: 'exchange_denied' }])
    expect(JSON.parse(world.store.auditEvents.byRequestId('req-auth-fail')[0]!.metadataJson)).toMatchObject({ application_id: 'app-1' })
  })

  it('refuses HTTP Basic on the exchange grant with a clear 400 (it takes the secret in the body)', async () => {
    const { client_secret: _secret, ...bare } = form
    const answer = await fetch(`${world.url}/oauth/2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('app-1:cmcs_test-only-secret-of-app-1').toString('base64')}` },
      body: new URLSearchParams(bare).toString(),
    })
    expect(answer.status).toBe(400)
    expect(await answer.json()).toMatchObject({ error: 'invalid_token', error_description: expect.stringContaining('client_secret in the form body') })
  })

  it('asks for a resource before it reads a subject token, as Caracal orders them', async () => {
    const { resource: _resource, scope: _scope, ...bare } = form
    const answer = await send({ form: { ...bare, subject_token: 'not-a-mandate', subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' } }, 'req-no-resource')
    expect(answer.status).toBe(400)
    expect(await answer.json()).toMatchObject({ error: 'invalid_token', error_description: 'resource is required' })
  })

  it('names an application it does not know only by fingerprint (a secret sent as the id stays out of the log)', async () => {
    const secret = 'cmcs_test-only-secret-of-app-1'
    await send({ form: { ...form, application_id: secret, client_secret: 'app-1' } }, 'req-swapped')
    const rows = world.store.auditEvents.byRequestId('req-swapped')
    expect(rows).toMatchObject([{ zoneId: 'zone-1', decision: 'deny', evaluationStatus: 'exchange_denied' }])
    expect(JSON.parse(rows[0]!.metadataJson)).toMatchObject({ application_id: null, application_id_fingerprint: tokenFingerprint(secret) })
    expect(JSON.stringify(rows)).not.toContain(secret)
  })

  it('serves the JWKS with Caracal\'s headers and errors', async () => {
    await bootstrap('req-jwks')
    const ok = await fetch(`${world.url}/.well-known/jwks.json?zone_id=zone-1`)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate')
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff')
    expect(((await ok.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0)
    expect(await (await fetch(`${world.url}/.well-known/jwks.json`)).json()).toMatchObject({ error: 'invalid_token', error_description: 'zone_id required' })
    expect((await fetch(`${world.url}/.well-known/jwks.json?zone_id=zone-9`)).status).toBe(404)
  })
})

describe('authentication failure limit', () => {
  it('counts guesses per application whatever zone they name, and counts parallel guesses', async () => {
    const limited = await startStsWorld({ failureLimits: { maxFailures: 5, windowMs: 60_000, blockMs: 60_000 } })
    try {
      const post = (zone: string, secret: string) =>
        fetch(`${limited.url}/oauth/2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', zone], ['application_id', 'app-1'], ['client_secret', secret], ['resource', 'resource://caracal/lifecycle'], ['scope', 'agent:lifecycle']]),
        })
      const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => post(`zone-made-up-${i % 3}`, 'cmcs_wrong').then((r) => r.status)))
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0)
      expect((await post('zone-2', '@secret:app-1')).status).toBe(429)
    } finally {
      await limited.close()
    }
  })

  it('never locks an application out for a burst of right secrets (only the excess is told to wait)', async () => {
    const limited = await startStsWorld({ failureLimits: { maxFailures: 3, windowMs: 60_000, blockMs: 60_000 } })
    try {
      const post = () =>
        fetch(`${limited.url}/oauth/2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'], ['resource', 'resource://caracal/lifecycle'], ['scope', 'agent:lifecycle']]),
        })
      const burst = await Promise.all(Array.from({ length: 10 }, () => post()))
      expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(4)
      for (const r of burst.filter((r) => r.status !== 200)) {
        expect(r.status).toBe(429)
        expect(r.headers.get('retry-after')).toBe('1')
      }
      expect((await post()).status).toBe(200)
    } finally {
      await limited.close()
    }
  })

  it('blocks an application after too many failures, even with the right secret, with Retry-After', async () => {
    const limited = await startStsWorld({ failureLimits: { maxFailures: 3, windowMs: 60_000, blockMs: 60_000 } })
    try {
      const form = (secret: string) => encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', secret], ['resource', 'resource://caracal/lifecycle'], ['scope', 'agent:lifecycle']])
      const post = (secret: string, requestId: string) =>
        fetch(`${limited.url}/oauth/2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': requestId }, body: form(secret) })
      for (let i = 0; i < 4; i++) expect((await post('cmcs_wrong', `req-guess-${i}`)).status).toBe(401)
      const blocked = await post('@secret:app-1', 'req-blocked')
      expect(blocked.status).toBe(429)
      expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(await blocked.json()).toMatchObject({ error: 'provider_rate_limited' })
      // The guesses that reached the limit are on record; what is refused unread after them is not.
      await limited.audit.flushed()
      expect(limited.store.auditEvents.byRequestId('req-guess-0')).toHaveLength(1)
      expect(limited.store.auditEvents.byRequestId('req-blocked')).toEqual([])
    } finally {
      await limited.close()
    }
  })
})

describe('audit of caller-supplied values', () => {
  it('writes a token-shaped resource as a fingerprint, never the token', async () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
    const form = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', zone_id: 'zone-1', application_id: 'app-1', client_secret: '@secret:app-1', resource: ['resource://caracal/lifecycle', jwt], scope: 'agent:lifecycle' }
    expect((await send({ form }, 'req-token-shaped')).status).toBe(200)
    const rows = world.store.auditEvents.byRequestId('req-token-shaped')
    expect(rows).toHaveLength(2)
    expect(JSON.stringify(rows)).not.toContain(jwt)
    expect(rows.map((r) => r.evaluationStatus).sort()).toEqual(['complete', 'resource_not_found'])
  })
})

describe('mint rate limit', () => {
  it('skips a resource over its per-minute mints, audited rate_limited, and answers 403 when nothing is left', async () => {
    const limited = await startStsWorld({ mintsPerMinute: 2 })
    try {
      const body = encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'], ['resource', 'resource://caracal/lifecycle'], ['scope', 'agent:lifecycle']])
      const post = (id: string) => fetch(`${limited.url}/oauth/2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': id }, body })
      expect((await post('m1')).status).toBe(200)
      expect((await post('m2')).status).toBe(200)
      const third = await post('m3')
      expect(third.status).toBe(403)
      expect(await third.json()).toMatchObject({ error: 'access_denied', error_description: 'rate limited' })
      expect(limited.store.auditEvents.byRequestId('m3')).toMatchObject([{ decision: 'deny', evaluationStatus: 'rate_limited' }])
    } finally {
      await limited.close()
    }
  })
})

describe('authorization server metadata (RFC 8414)', () => {
  it('names the issuer, the token endpoint and, for a zone, its JWKS', async () => {
    const plain = await (await fetch(`${world.url}/.well-known/oauth-authorization-server`)).json()
    expect(plain).toEqual({
      issuer: world.issuer,
      token_endpoint: `${world.issuer}/oauth/2/token`,
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:token-exchange', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      response_types_supported: [],
    })
    const zoned = (await (await fetch(`${world.url}/.well-known/oauth-authorization-server?zone_id=zone-1`)).json()) as { jwks_uri: string }
    expect(zoned.jwks_uri).toBe(`${world.issuer}/.well-known/jwks.json?zone_id=zone-1`)
  })
})
