// A running STS over real HTTP on loopback, on a real SQLite file, with the committed policy:
// zone-1 (app-1, app-4, app-disabled; a lifecycle resource granted to app-1, files/read and
// files/write whose roles app-1's sessions hold, files:write gated by operator approval, and
// billing/ledger granted to nobody),
// zone-2 (app-2; trusts an id_token issuer whose JWKS cannot be reached) and zone-3 (app-3, no
// active policy). Fixed agent sessions and a consumed approval for the vectors. Test-only secrets.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hashSecret } from '../../src/application/index.js'
import { createApp } from '../../src/app.js'
import { AuditLog } from '../../src/audit/index.js'
import { KeyRing, sealedKeyPersistence } from '../../src/keys/index.js'
import { PolicyEngine } from '../../src/policy/index.js'
import { openStore, type Store } from '../../src/store/index.js'
import type { TrustedIssuer } from '../../src/federation/index.js'
import { IdTokenVerifier } from '../../src/federation/index.js'
import { AuthFailureLimiter, MintRateLimiter, TokenExchange, holdBinding, type FailureLimits } from '../../src/sts/index.js'
import { committedBundle } from './policy.js'

export const TEST_SECRETS: Record<string, string> = {
  'app-1': 'cmcs_test-only-secret-of-app-1',
  'app-2': 'cmcs_test-only-secret-of-app-2',
  'app-3': 'cmcs_test-only-secret-of-app-3',
  'app-4': 'cmcs_test-only-secret-of-app-4',
  'app-disabled': 'cmcs_test-only-secret-of-app-disabled',
}

export interface StsWorld {
  url: string
  issuer: string
  store: Store
  keys: KeyRing
  audit: AuditLog
  auditKey: Buffer
  exchange: TokenExchange
  policy: PolicyEngine
  /** A second exchange over the same state, with its own clock or policy (to step through time or races). */
  exchangeWith(overrides: { now?: () => number; policy?: PolicyEngine }): TokenExchange
  close(): Promise<void>
}

/** Zone-1 policy data: app-1 owns files/read and files/write; files:write needs an operator. */
export const ZONE_1_DATA = {
  app_ids: { 'app-1': 'app-1' },
  grants: {
    'resource://caracal/lifecycle': { application: 'app-1', roles: {} },
    'resource://files/read': { application: 'app-1', roles: { 'app-1': ['files:read'] } },
    'resource://files/write': { application: 'app-1', roles: { 'app-1': ['files:write'] } },
  },
  risk: [{ scope: 'files:write', tier: 'high' }],
  approval_tiers: [{ tier: 'high', approver: 'operator', ttl_seconds: 900 }],
}

/** Fixed ids the vectors name. */
export const WORLD_IDS = {
  session: 'session-app-1',
  endedSession: 'session-app-1-ended',
  otherZoneSession: 'session-app-2',
  app4Session: 'session-app-4',
  consumedApproval: '0190a000-0000-7000-8000-00000000c0de',
} as const

/** zone-2 trusts this issuer; its JWKS port is closed. */
export const UNREACHABLE_ISSUER: TrustedIssuer = { issuer: 'http://127.0.0.1:9/unreachable', jwksUri: 'http://127.0.0.1:9/jwks', audience: 'app-2' }

export async function startStsWorld(options: { failureLimits?: FailureLimits; mintsPerMinute?: number; federation?: Record<string, TrustedIssuer[]> } = {}): Promise<StsWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'caracal-sts-'))
  const store = openStore(join(dir, 'sts.sqlite'))
  const now = Date.now()
  for (const zone of ['zone-1', 'zone-2', 'zone-3']) store.zones.create({ id: zone, name: zone, createdAt: now })
  const apps: [string, string, 'active' | 'disabled'][] = [
    ['app-1', 'zone-1', 'active'],
    ['app-disabled', 'zone-1', 'disabled'],
    ['app-2', 'zone-2', 'active'],
    ['app-3', 'zone-3', 'active'],
    ['app-4', 'zone-1', 'active'],
  ]
  for (const [id, zoneId, status] of apps) {
    store.applications.create({ id, zoneId, name: id, registrationMethod: 'managed', secretHash: await hashSecret(TEST_SECRETS[id]!), status, createdAt: now, updatedAt: now })
  }
  store.resources.register('zone-1', 'resource://caracal/lifecycle', ['agent:lifecycle'], 'res-lifecycle', now)
  store.resources.register('zone-1', 'resource://files/read', ['files:read'], 'res-files-read', now)
  store.resources.register('zone-1', 'resource://files/write', ['files:write'], 'res-files-write', now)
  store.resources.register('zone-1', 'resource://billing/ledger', ['billing:read'], 'res-billing', now)
  store.resources.register('zone-3', 'resource://caracal/lifecycle', ['agent:lifecycle'], 'res-3-lifecycle', now)

  const policy = new PolicyEngine({ bundle: await committedBundle() })
  policy.activate('zone-1', ZONE_1_DATA)
  policy.activate('zone-2', { app_ids: { 'app-2': 'app-2' }, grants: { 'resource://caracal/lifecycle': { application: 'app-2', roles: {} } } })
  const auditKey = Buffer.alloc(32, 5)
  const audit = new AuditLog(store.auditEvents, { hmacKey: auditKey })
  const keys = new KeyRing(sealedKeyPersistence(store.signingKeys, Buffer.alloc(32, 6)))

  // Listen first: the issuer is the loopback URL, known once the ephemeral port is.
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const federation = options.federation ?? { 'zone-2': [UNREACHABLE_ISSUER] }
  const verifiers = new Map(Object.entries(federation).map(([zone, issuers]) => [zone, new IdTokenVerifier(issuers, { fetchTimeoutMs: 1000 })]))
  const failures = new AuthFailureLimiter(options.failureLimits)
  const mintRate = new MintRateLimiter(options.mintsPerMinute)
  const exchangeWith = (o: { now?: () => number; policy?: PolicyEngine }) =>
    new TokenExchange({ issuer, store, keys, policy: o.policy ?? policy, audit, failures, mintRate, federation: (zoneId) => verifiers.get(zoneId), ...(o.now && { now: o.now }) })
  const exchange = exchangeWith({})
  seedSessions(store, now)
  seedConsumedApproval(store, policy, now)
  server.on('request', createApp({ sts: { exchange, keys } }))
  return {
    url: issuer,
    issuer,
    store,
    keys,
    audit,
    auditKey,
    exchange,
    policy,
    exchangeWith,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await audit.flushed()
      store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Encodes a form, replacing `@secret:<app>` with that application's test secret. */
export function encodeForm(fields: [string, string][]): string {
  return fields
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v.startsWith('@secret:') ? TEST_SECRETS[v.slice(8)] ?? v : v)}`)
    .join('&')
}

function seedSessions(store: Store, now: number): void {
  const base = { parentSessionId: null, subjectRecordId: null, depth: 0, lifecycle: 'task' as const, status: 'active' as const, startedAt: now, ttlSeconds: 3600, heartbeatSeconds: null, heartbeatDeadline: null, terminatedAt: null, terminationReason: null, authority: 'full' as const, authorityScopes: null, authorityResources: null }
  store.agentSessions.create({ ...base, id: WORLD_IDS.session, zoneId: 'zone-1', applicationId: 'app-1', labels: ['app-1'] })
  store.agentSessions.create({ ...base, id: WORLD_IDS.endedSession, zoneId: 'zone-1', applicationId: 'app-1', labels: ['app-1'], status: 'terminated', terminatedAt: now, terminationReason: 'test' })
  store.agentSessions.create({ ...base, id: WORLD_IDS.otherZoneSession, zoneId: 'zone-2', applicationId: 'app-2', labels: ['app-2'] })
  store.agentSessions.create({ ...base, id: WORLD_IDS.app4Session, zoneId: 'zone-1', applicationId: 'app-4', labels: ['app-1'] })
}

/**
 * An approval of app-1's session for files:write on files/write, consumed long ago: a retry
 * naming it must get 409 approval_consumed. Its binding is the one that request computes.
 */
function seedConsumedApproval(store: Store, policy: PolicyEngine, now: number): void {
  const app = store.applications.get('app-1')!
  const session = store.agentSessions.get(WORLD_IDS.session)!
  const binding = holdBinding({ app, subject: 'app-1', subType: 'application', session }, ['resource://files/write'], ['files:write'], policy.version('zone-1'))
  store.authorityRecords.create({ id: 'record-consumed', zoneId: 'zone-1', applicationId: 'app-1', subject: 'app-1', subType: 'application', parentId: null, rootId: 'record-consumed', use: 'gateway', status: 'active', createdAt: now - 600_000, expiresAt: now + 600_000 })
  store.approvals.converge(
    { id: WORLD_IDS.consumedApproval, zoneId: 'zone-1', applicationId: 'app-1', subject: 'app-1', subjectType: 'application' as const, authorityRecordId: null, agentSessionId: session.id, delegationEdgeId: null, binding, tier: 'high', approverClass: 'operator', privacyMode: 'identified', resources: ['resource://files/write'], scopes: ['files:write'], requestId: 'seed', createdAt: now - 600_000, expiresAt: now + 600_000 },
    now,
  )
  store.approvals.decide(WORLD_IDS.consumedApproval, 'zone-1', 'approved', 'seed', null, now - 500_000)
  store.approvals.consume(WORLD_IDS.consumedApproval, 'record-consumed', now - 400_000)
}
