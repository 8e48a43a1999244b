// The stdio bridge's own service session against the product on loopback (its token endpoint and
// Coordinator): started with the bootstrap mandate and the labels asked for, its heartbeat
// deadline moved by heartbeats, terminated on stop; one an operator terminates is reported once
// and not replaced; a start the token endpoint refuses is a typed error without the secret.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { BRIDGE_HEARTBEAT_SECONDS, BridgeServiceSession, DEFAULT_LIFECYCLE_RESOURCE } from '../../../src/cli/bridge-session.js'
import { LIFECYCLE_RESOURCES, SECRETS, startProxyWorld, ZONE, ZONE_DATA_WITH_LIFECYCLE, type ProxyWorld } from '../../helpers/proxy-world.js'

let world: ProxyWorld
beforeAll(async () => {
  world = await startProxyWorld({ zoneData: ZONE_DATA_WITH_LIFECYCLE, zoneResources: LIFECYCLE_RESOURCES })
})
afterAll(async () => {
  await world?.close()
})

const request = { zoneId: ZONE, applicationId: 'app-a', secret: SECRETS['app-a']!, lifecycleResource: DEFAULT_LIFECYCLE_RESOURCE, labels: [] as string[] }
const sessionsOfApp = () => world.runtime.store.agentSessions.list({ zoneId: ZONE, applicationId: 'app-a', limit: 1000 })

it('starts a service session, keeps it alive with heartbeats, and terminates it on stop', async () => {
  const warnings: string[] = []
  const session = await BridgeServiceSession.start(new URL(world.url), { ...request, labels: ['app-a', 'admin'] }, (line) => warnings.push(line), 50)
  const row = () => world.runtime.store.agentSessions.get(session.id)!
  expect(row()).toMatchObject({ applicationId: 'app-a', lifecycle: 'service', status: 'active', heartbeatSeconds: BRIDGE_HEARTBEAT_SECONDS, labels: ['app-a', 'admin'] })
  const first = row().heartbeatDeadline!
  await expect.poll(() => row().heartbeatDeadline! > first, { timeout: 5000 }).toBe(true)
  await session.stop()
  expect(row()).toMatchObject({ status: 'terminated', terminationReason: 'the stdio bridge stopped' })
  expect(warnings).toEqual([])
})

it('reports a session an operator terminated, once, and starts no other', async () => {
  const warnings: string[] = []
  const session = await BridgeServiceSession.start(new URL(world.url), request, (line) => warnings.push(line), 50)
  const before = sessionsOfApp().length
  await world.runtime.sessions.terminate(ZONE, session.id, 'operator: enough', 'test')
  await expect.poll(() => warnings.length, { timeout: 5000 }).toBe(1)
  expect(warnings[0]).toMatch(new RegExp(`^agent session ${session.id} has ended \\(HTTP 409.*restart this server in the MCP client`))
  await new Promise((resolve) => setTimeout(resolve, 200))
  await session.stop()
  expect(warnings).toHaveLength(1)
  expect(sessionsOfApp().length).toBe(before)
})

it('refuses to start with a secret the token endpoint rejects, naming the endpoint and never the secret', async () => {
  const error = await BridgeServiceSession.start(new URL(world.url), { ...request, secret: 'cmcs_not-the-secret-of-app-a' }, () => {}).then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  )
  expect(error?.code).toBe('ERR_CLI_BRIDGE_SESSION')
  expect(error?.message).toContain(`${world.url}/oauth/2/token gave no bootstrap mandate for application app-a (${DEFAULT_LIFECYCLE_RESOURCE}) (HTTP 401`)
  expect(error?.message).not.toContain('cmcs_not-the-secret')
})
