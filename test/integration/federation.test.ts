// The federated-user class over HTTP: an id_token from the zone's trusted issuer (its JWKS served
// on loopback) becomes a user session mandate — identity and revocation anchor, no resource
// authority. Tokens that do not verify are 401 and mint nothing.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeForm, startStsWorld, type StsWorld } from '../helpers/sts-world.js'

let world: StsWorld
let idp: Server
let issuer: string
let privateKey: CryptoKey
let jwk: JWK

beforeAll(async () => {
  const pair = await generateKeyPair('RS256')
  privateKey = pair.privateKey
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' }
  idp = createServer((req, res) => {
    if (req.url === '/jwks') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`
  world = await startStsWorld({ federation: { 'zone-1': [{ issuer, jwksUri: `${issuer}/jwks`, audience: 'app-1' }] } })
})
afterAll(async () => {
  await world.close()
  await new Promise<void>((resolve) => idp.close(() => resolve()))
})

function idToken(claims: Record<string, unknown> = {}, expiresIn: string | number = '5m'): Promise<string> {
  return new SignJWT({ email: 'ada@example.com', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1' })
    .setIssuer(issuer)
    .setAudience('app-1')
    .setSubject('user-ada')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(privateKey)
}

async function federate(token: string, extra: [string, string][] = []): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeForm([
      ['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'],
      ['subject_token', token], ['subject_token_type', 'urn:ietf:params:oauth:token-type:id_token'], ...extra,
    ]),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const count = () => (world.store.db.prepare('SELECT COUNT(*) AS n FROM authority_records').get() as { n: number }).n

describe('federated users', () => {
  it('get a user session mandate: sub is the id_token subject, no scope, no target', async () => {
    const { status, body } = await federate(await idToken(), [['ttl_seconds', '600']])
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body).not.toHaveProperty('scope')
    expect(body).not.toHaveProperty('target_resources')
    const claims = JSON.parse(Buffer.from((body.access_token as string).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(claims).toMatchObject({ sub: 'user-ada', sub_type: 'user', use: 'session', client_id: 'app-1', aud: [world.issuer] })
    expect(claims.exp as number).toBe((claims.iat as number) + 600)
    expect(world.store.authorityRecords.get(claims.sid as string)).toMatchObject({ subject: 'user-ada', subType: 'user', applicationId: 'app-1' })
    const rows = world.store.db.prepare("SELECT metadata_json AS m FROM audit_events WHERE metadata_json LIKE '%user%'").all() as { m: string }[]
    expect(rows.length).toBeGreaterThan(0)
    expect(JSON.stringify(rows)).not.toContain('eyJ')
  })

  it('refuse an id_token that does not verify, and mint nothing', async () => {
    const records = count()
    const other = await generateKeyPair('RS256')
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1' }).setIssuer(issuer).setAudience('app-1').setSubject('user-ada').setIssuedAt().setExpirationTime('5m').sign(other.privateKey)
    const cases = [
      await idToken({}, Math.floor(Date.now() / 1000) - 120),
      await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1' }).setIssuer(issuer).setAudience('someone-else').setSubject('user-ada').setIssuedAt().setExpirationTime('5m').sign(privateKey),
      forged,
    ]
    for (const token of cases) expect(await federate(token)).toMatchObject({ status: 401, body: { error: 'invalid_token', error_description: 'invalid subject_token' } })
    expect(count()).toBe(records)
  })
})
