// The STS's own failures over HTTP: a store busy beyond its wait is 503 sts_unavailable (retry),
// an audit that cannot be written is 500 internal_error — and in both cases no mandate leaves and
// nothing issued stays usable.
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeForm, startStsWorld, type StsWorld } from '../helpers/sts-world.js'

let world: StsWorld
beforeEach(async () => {
  world = await startStsWorld()
})
afterEach(() => world.close())

const bootstrap = () =>
  fetch(`${world.url}/oauth/2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: encodeForm([['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'], ['zone_id', 'zone-1'], ['application_id', 'app-1'], ['client_secret', '@secret:app-1'], ['resource', 'resource://caracal/lifecycle'], ['scope', 'agent:lifecycle']]),
  })

describe('STS failures', () => {
  it('answers 503 sts_unavailable while another process holds the database write lock', async () => {
    world.store.db.pragma('busy_timeout = 50')
    const other = new Database(world.store.db.name)
    other.exec('BEGIN IMMEDIATE')
    try {
      const response = await bootstrap()
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ error: 'sts_unavailable' })
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect((await bootstrap()).status).toBe(200)
  })

  it('answers 500 internal_error when the audit cannot be written, and revokes what was recorded', async () => {
    world.store.db.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    const response = await bootstrap()
    expect(response.status).toBe(500)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({ error: 'internal_error', error_description: 'internal error' })
    expect(JSON.stringify(body)).not.toContain('disk says no')
    const records = world.store.db.prepare("SELECT status FROM authority_records WHERE id != 'record-consumed'").all() as { status: string }[]
    expect(records.map((r) => r.status)).toEqual(['revoked'])
  })
})
