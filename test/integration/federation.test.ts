// The federated-user class over HTTP: an id_token from the zone's trusted issuer (its JWKS served
// on loopback) becomes a user session mandate — identity and revocation anchor, no resource
// authority. Tokens that do not verify are 401 and mint nothing.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApprovalRequiredError } from '../../src/sts/index.js'
import { encodeForm, startStsWorld, ZONE_1_DATA, type StsWorld } from '../helpers/sts-world.js'

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

describe('a federated user deciding a hold that names them', () => {
  async function userMandate(): Promise<string> {
    const { body } = await federate(await idToken())
    return body.access_token as string
  }

  async function decide(id: string, bearer: string | undefined, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${world.url}/approvals/${id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer && { authorization: `Bearer ${bearer}` }) },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it('approves with a fresh sign-in, never with authority derived from the held request', async () => {
    world.policy.activate('zone-1', { ...ZONE_1_DATA, approval_tiers: [{ tier: 'high', approver: 'subject', ttl_seconds: 600 }] })
    const signIn = await userMandate()
    const userSid = JSON.parse(Buffer.from(signIn.split('.')[1]!, 'base64url').toString()).sid as string
    // The agent acts for the user: its session's subject is the user's authority record.
    const session = await world.exchange.sessions.start({ zoneId: 'zone-1', applicationId: 'app-1', subjectRecordId: userSid, requestId: 'r', startedBy: 'test' })
    const agent = await fetch(`${world.url}/oauth/2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'], ['agent_session_id', session.id]]),
    }).then(async (r) => ((await r.json()) as { access_token: string }).access_token)
    expect(JSON.parse(Buffer.from(agent.split('.')[1]!, 'base64url').toString())).toMatchObject({ sub: 'user-ada', sub_type: 'user', root_sid: userSid })
    const write = { subjectToken: agent, resource: 'resource://files/write', scopes: ['files:write'] }
    const hold = ((await world.exchange.exchangeForResource(write, 'r-held').catch((e: unknown) => e)) as ApprovalRequiredError).hold
    expect(hold).toMatchObject({ state: 'pending' })

    const ok = { decision: 'approved', binding: hold.binding }
    expect((await decide(hold.approvalId, undefined, ok)).status).toBe(401)
    // The agent's own mandate names the user too, but derives from the held request.
    expect(await decide(hold.approvalId, agent, ok)).toMatchObject({ status: 403, body: { error: 'access_denied' } })
    expect(await decide(hold.approvalId, signIn, ok)).toMatchObject({ status: 403, body: { error: 'access_denied' } })
    const fresh = await userMandate()
    expect(await decide(hold.approvalId, fresh, { ...ok, binding: 'f'.repeat(64) })).toMatchObject({ status: 409 })
    expect(await decide(hold.approvalId, fresh, { decision: 'maybe', binding: hold.binding })).toMatchObject({ status: 400 })
    expect(await decide(hold.approvalId, fresh, ok)).toMatchObject({ status: 200, body: { id: hold.approvalId, state: 'approved' } })
    expect(await decide(hold.approvalId, fresh, ok)).toMatchObject({ status: 409 })
    expect(world.store.approvals.get(hold.approvalId)).toMatchObject({ decidedBy: 'subject:user-ada' })
    await expect(world.exchange.exchangeForResource(write, 'r-retry')).resolves.toMatchObject({ scope: 'files:write' })
  })

  it('refuses a user who is not the hold\'s subject, and holds an operator decides', async () => {
    world.policy.activate('zone-1', ZONE_1_DATA)
    const session = await world.exchange.sessions.start({ zoneId: 'zone-1', applicationId: 'app-1', requestId: 'r', startedBy: 'test' })
    const agent = await fetch(`${world.url}/oauth/2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'], ['agent_session_id', session.id]]),
    }).then(async (r) => ((await r.json()) as { access_token: string }).access_token)
    const hold = ((await world.exchange.exchangeForResource({ subjectToken: agent, resource: 'resource://files/write', scopes: ['files:write'] }, 'r-op').catch((e: unknown) => e)) as ApprovalRequiredError).hold
    expect(await decide(hold.approvalId, await userMandate(), { decision: 'approved', binding: hold.binding })).toMatchObject({ status: 403, body: { error_description: 'this approval is decided by an operator' } })
    expect((await decide('0190a000-0000-7000-8000-0000000000ff', await userMandate(), { decision: 'approved', binding: hold.binding })).status).toBe(404)
  })
})
