// A running STS over real HTTP on loopback, on a real SQLite file, with the committed policy:
// zone-1 (app-1, app-disabled; a lifecycle and a files resource; app-1 granted the lifecycle
// one), zone-2 (app-2) and zone-3 (app-3, no active policy). Test-only secrets.
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
import { AuthFailureLimiter, MintRateLimiter, TokenExchange, type FailureLimits } from '../../src/sts/index.js'
import { committedBundle } from './policy.js'

export const TEST_SECRETS: Record<string, string> = {
  'app-1': 'cmcs_test-only-secret-of-app-1',
  'app-2': 'cmcs_test-only-secret-of-app-2',
  'app-3': 'cmcs_test-only-secret-of-app-3',
  'app-disabled': 'cmcs_test-only-secret-of-app-disabled',
}

export interface StsWorld {
  url: string
  issuer: string
  store: Store
  keys: KeyRing
  audit: AuditLog
  auditKey: Buffer
  close(): Promise<void>
}

export async function startStsWorld(options: { failureLimits?: FailureLimits; mintsPerMinute?: number } = {}): Promise<StsWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'caracal-sts-'))
  const store = openStore(join(dir, 'sts.sqlite'))
  const now = Date.now()
  for (const zone of ['zone-1', 'zone-2', 'zone-3']) store.zones.create({ id: zone, name: zone, createdAt: now })
  const apps: [string, string, 'active' | 'disabled'][] = [
    ['app-1', 'zone-1', 'active'],
    ['app-disabled', 'zone-1', 'disabled'],
    ['app-2', 'zone-2', 'active'],
    ['app-3', 'zone-3', 'active'],
  ]
  for (const [id, zoneId, status] of apps) {
    store.applications.create({ id, zoneId, name: id, registrationMethod: 'managed', secretHash: await hashSecret(TEST_SECRETS[id]!), status, createdAt: now, updatedAt: now })
  }
  store.resources.register('zone-1', 'resource://caracal/lifecycle', ['agent:lifecycle'], 'res-lifecycle', now)
  store.resources.register('zone-1', 'resource://files/read', ['files:read'], 'res-files-read', now)
  store.resources.register('zone-3', 'resource://caracal/lifecycle', ['agent:lifecycle'], 'res-3-lifecycle', now)

  const policy = new PolicyEngine({ bundle: await committedBundle() })
  policy.activate('zone-1', { app_ids: { 'app-1': 'app-1' }, grants: { 'resource://caracal/lifecycle': { application: 'app-1', roles: {} } } })
  policy.activate('zone-2', { app_ids: { 'app-2': 'app-2' }, grants: { 'resource://caracal/lifecycle': { application: 'app-2', roles: {} } } })
  const auditKey = Buffer.alloc(32, 5)
  const audit = new AuditLog(store.auditEvents, { hmacKey: auditKey })
  const keys = new KeyRing(sealedKeyPersistence(store.signingKeys, Buffer.alloc(32, 6)))

  // Listen first: the issuer is the loopback URL, known once the ephemeral port is.
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const exchange = new TokenExchange({ issuer, store, keys, policy, audit, failures: new AuthFailureLimiter(options.failureLimits), mintRate: new MintRateLimiter(options.mintsPerMinute) })
  server.on('request', createApp({ sts: { exchange, keys } }))
  return {
    url: issuer,
    issuer,
    store,
    keys,
    audit,
    auditKey,
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
