// Proves a zone's `federation` list admits only issuers the STS can trust safely: https URLs (http
// on loopback only), asymmetric algorithms, a non-empty audience, each issuer once, no unknown key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { configSchema, loadConfig } from '../../../src/config/index.js'

const dir = mkdtempSync(join(tmpdir(), 'caracal-federation-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const issuer = { issuer: 'https://accounts.example.com', jwksUri: 'https://accounts.example.com/.well-known/jwks.json', audience: 'caracal-client' }

function parse(federation: unknown) {
  return configSchema.safeParse({ policy: { zones: { demo: { data: 'd.json', federation } } } })
}

function messages(federation: unknown): string[] {
  const result = parse(federation)
  expect(result.success).toBe(false)
  return result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
}

describe('policy.zones.<zone>.federation', () => {
  it('is optional', () => {
    const result = configSchema.safeParse({ policy: { zones: { demo: { data: 'd.json' } } } })
    expect(result.success).toBe(true)
    expect(result.data!.policy.zones.demo!.federation).toBeUndefined()
  })

  it('accepts https issuers, keeps the issuer string as written, and defaults algorithms to RS256 and ES256', () => {
    const result = parse([issuer, { issuer: 'https://login.example.org/tenant/v2.0', jwksUri: 'https://login.example.org/keys', audience: ['a', 'b'], algorithms: ['PS256', 'EdDSA'] }])
    expect(result.success).toBe(true)
    expect(result.data!.policy.zones.demo!.federation).toEqual([
      { ...issuer, algorithms: ['RS256', 'ES256'] },
      { issuer: 'https://login.example.org/tenant/v2.0', jwksUri: 'https://login.example.org/keys', audience: ['a', 'b'], algorithms: ['PS256', 'EdDSA'] },
    ])
  })

  it('allows http only on 127.0.0.1, localhost and [::1]', () => {
    for (const host of ['127.0.0.1:8443', 'localhost', '[::1]:9000']) {
      expect(parse([{ issuer: `http://${host}/idp`, jwksUri: `http://${host}/idp/jwks`, audience: 'c' }]).success).toBe(true)
    }
    expect(messages([{ ...issuer, issuer: 'http://accounts.example.com' }])).toEqual([expect.stringMatching(/^policy\.zones\.demo\.federation\.0\.issuer: use https/)])
    expect(messages([{ ...issuer, jwksUri: 'http://accounts.example.com/jwks' }])).toEqual([expect.stringMatching(/^policy\.zones\.demo\.federation\.0\.jwksUri: use https/)])
    expect(parse([{ ...issuer, jwksUri: 'http://127.0.0.2/jwks' }]).success).toBe(false)
    expect(parse([{ ...issuer, jwksUri: 'http://localhost.example.com/jwks' }]).success).toBe(false)
    expect(parse([{ ...issuer, jwksUri: 'ftp://accounts.example.com/jwks' }]).success).toBe(false)
    expect(parse([{ ...issuer, jwksUri: 'not a url' }]).success).toBe(false)
  })

  it('refuses an issuer with a query or fragment, and URLs with credentials', () => {
    expect(parse([{ ...issuer, issuer: 'https://accounts.example.com/?tenant=1' }]).success).toBe(false)
    expect(parse([{ ...issuer, issuer: 'https://accounts.example.com/#x' }]).success).toBe(false)
    expect(parse([{ ...issuer, jwksUri: 'https://user:pass@accounts.example.com/jwks' }]).success).toBe(false)
  })

  it('refuses a duplicate issuer in one zone, naming it', () => {
    expect(messages([issuer, { ...issuer, jwksUri: 'https://other.example.com/jwks' }])).toEqual([
      'policy.zones.demo.federation.1.issuer: issuer https://accounts.example.com is configured more than once in this zone',
    ])
  })

  it('accepts the same issuer in two zones', () => {
    const result = configSchema.safeParse({ policy: { zones: { a: { data: 'a.json', federation: [issuer] }, b: { data: 'b.json', federation: [issuer] } } } })
    expect(result.success).toBe(true)
  })

  it('refuses unknown keys', () => {
    const result = parse([{ ...issuer, clientSecret: 'x' }])
    expect(result.success).toBe(false)
    expect(result.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['clientSecret'] })
  })

  it('refuses an empty or missing audience', () => {
    expect(parse([{ ...issuer, audience: '' }]).success).toBe(false)
    expect(parse([{ ...issuer, audience: [] }]).success).toBe(false)
    expect(parse([{ ...issuer, audience: ['ok', ''] }]).success).toBe(false)
    const { audience: _, ...withoutAudience } = issuer
    expect(parse([withoutAudience]).success).toBe(false)
  })

  it('refuses none, symmetric and unknown algorithms, and an empty list', () => {
    for (const alg of ['none', 'HS256', 'HS512', 'ES512', 'rs256']) expect(parse([{ ...issuer, algorithms: [alg] }]).success).toBe(false)
    expect(parse([{ ...issuer, algorithms: [] }]).success).toBe(false)
  })

  it('refuses more than 16 issuers', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...issuer, issuer: `https://idp${i}.example.com` }))
    expect(parse(many(16)).success).toBe(true)
    expect(parse(many(17)).success).toBe(false)
  })

  it('is reported by the loader with the JSON path', async () => {
    const path = join(dir, 'dup.json')
    writeFileSync(path, JSON.stringify({ policy: { zones: { z: { data: 'd.json', federation: [issuer, issuer] } } } }))
    await expect(loadConfig(path)).rejects.toThrow(/is invalid at \$\.policy\.zones\.z\.federation\[1\]\.issuer: issuer https:\/\/accounts\.example\.com is configured more than once/)
  })
})
