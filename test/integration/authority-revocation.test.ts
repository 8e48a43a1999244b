// Revoking authority records through the real STS: a record and everything rooted in it, every
// record of a subject, every record of an application. The STS refuses to mint under them at
// once, and a verifier following the store rejects mandates that name them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { revokeAuthority } from '../../src/authority/index.js'
import { authenticateMandate } from '../../src/mandate/index.js'
import { BusFedRevocationStore, InProcessRevocationBus, StoreRevocationFeed } from '../../src/revocation/index.js'
import { encodeForm, startStsWorld, type StsWorld } from '../helpers/sts-world.js'

let world: StsWorld
beforeAll(async () => {
  world = await startStsWorld()
})
afterAll(() => world.close())

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sid: string; root_sid: string }

async function agentMandate(): Promise<string> {
  const session = await world.exchange.sessions.start({ zoneId: 'zone-1', applicationId: 'app-1', requestId: 'r', startedBy: 'test' })
  const response = await fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'], ['agent_session_id', session.id]]),
  })
  return ((await response.json()) as { access_token: string }).access_token
}

const exchangeFor = (agent: string, id: string) => world.exchange.exchangeForResource({ subjectToken: agent, resource: 'resource://files/read', scopes: ['files:read'] }, id)
const revoke = (target: Parameters<typeof revokeAuthority>[1]['target'], reason = 'test') =>
  revokeAuthority({ store: world.store, audit: world.audit }, { zoneId: 'zone-1', target, reason, requestId: 'r-revoke', actor: 'operator:test' })

describe('revoking authority records', () => {
  it('revokes a record and everything rooted in it: the STS refuses, the verifier rejects', async () => {
    const agent = await agentMandate()
    const resource = await exchangeFor(agent, 'r1')
    const bus = new InProcessRevocationBus()
    const feed = new StoreRevocationFeed(world.store, bus)
    const revocations = new BusFedRevocationStore(bus, { healthy: () => feed.healthy() })
    feed.start()
    try {
      const verify = () => authenticateMandate(resource.access_token, { issuer: world.issuer, audience: 'resource://files/read', zoneId: 'zone-1' }, { keys: world.keys, revocations })
      expect((await verify()).ok).toBe(true)
      const revoked = await revoke({ record: claimsOf(agent).sid })
      expect(revoked).toContain(claimsOf(agent).sid)
      expect(revoked).toContain(claimsOf(resource.access_token).sid)
      await expect(exchangeFor(agent, 'r2')).rejects.toMatchObject({ status: 403 })
      feed.poll()
      const result = await verify()
      expect(result.ok === false && result.error.wireCode).toBe('session_revoked')
    } finally {
      feed.stop()
      revocations.close()
    }
    expect(world.store.auditEvents.byRequestId('r-revoke').map((r) => r.eventType)).toContain('revocation')
  })

  it('revokes every record of an application, and refuses an unknown record or an empty reason', async () => {
    const [a, b] = [await agentMandate(), await agentMandate()]
    await revoke({ application: 'app-1' })
    await expect(exchangeFor(a, 'r3')).rejects.toMatchObject({ status: 403 })
    await expect(exchangeFor(b, 'r4')).rejects.toMatchObject({ status: 403 })
    await expect(revoke({ record: 'no-such-record' })).rejects.toMatchObject({ code: 'ERR_AUTHORITY_REVOCATION_INVALID' })
    await expect(revoke({ subject: 'app-1' }, '')).rejects.toMatchObject({ status: 400 })
  })
})
