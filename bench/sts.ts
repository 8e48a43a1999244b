// The STS on one core: in-process resource exchanges per second (subject verify, store checks,
// policy, authority record + jti, ES256 sign, audit group commit) against the floor of the same
// work without the exchange (one ES256 sign plus one policy evaluation), and full verification of
// the minted resource mandate against plain jose configured like Caracal's verifier.
// Goals: ≥ 2,500 exchanges/s; verification no slower than jose. Run pinned: taskset -c 0.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { importJWK, jwtVerify } from 'jose'
import { hashSecret } from '../src/application/index.js'
import { AuditLog, verifyZoneChain } from '../src/audit/index.js'
import { KeyRing, sealedKeyPersistence } from '../src/keys/index.js'
import { InMemoryRevocationStore, REQUIRED_CLAIMS, authenticateMandate, mintMandate, verifyMandateIdentity, type MandateClaims } from '../src/mandate/index.js'
import { ENTRYPOINTS, PolicyEngine, buildExchangeInput, defaultManifestPath, loadPolicyBundle } from '../src/policy/index.js'
import { openStore, type Store } from '../src/store/index.js'
import { AuthFailureLimiter, MintRateLimiter, TOKEN_EXCHANGE_GRANT, TokenExchange } from '../src/sts/index.js'
import { formatMeasurement, measure, measureAsync, type Measurement, type MeasureOptions } from './harness.js'

const GOAL_EXCHANGES_PER_SECOND = 2500
const IN_FLIGHT = 64
const ZONE = 'bench'
const APP = 'bench-app'
const RESOURCE = 'resource://bench/tools'
const SCOPE = 'tools:call'
const ISSUER = 'https://sts.bench.invalid'
// A bench-only secret; the hash in the store is what the STS checks.
const SECRET = 'cmcs_bench-only-secret-of-bench-app'

/** Runs `concurrency` loops of `op` until the deadline; ops per second over the whole window. */
async function timedRunConcurrent(op: () => Promise<unknown>, concurrency: number, millis: number): Promise<number> {
  let ops = 0
  const start = performance.now()
  const deadline = start + millis
  const worker = async () => {
    while (performance.now() < deadline) {
      await op()
      ops++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return ops / ((performance.now() - start) / 1000)
}

/** As measureAsync, with `concurrency` operations in flight, as a proxy under load issues them. */
async function measureConcurrent(name: string, op: () => Promise<unknown>, concurrency: number, options: MeasureOptions = {}): Promise<Measurement> {
  const { runs = 5, runMillis = 1000, warmupMillis = 500 } = options
  await timedRunConcurrent(op, concurrency, warmupMillis)
  const rates: number[] = []
  for (let r = 0; r < runs; r++) rates.push(await timedRunConcurrent(op, concurrency, runMillis))
  rates.sort((a, b) => a - b)
  const median = rates[Math.floor(rates.length / 2)]!
  return { name, opsPerSecond: { median, min: rates[0]!, max: rates[rates.length - 1]! }, microsPerOp: 1e6 / median }
}

function countRows(store: Store): { audit: number; records: number; jtis: number } {
  const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  return { audit: count('audit_events'), records: count('authority_records'), jtis: count('issued_jtis') }
}

/** The world a user runs: a SQLite file, one zone, one application, one resource, the committed policy. */
async function startWorld(dir: string) {
  const store = openStore(join(dir, 'sts.sqlite'))
  const now = Date.now()
  store.zones.create({ id: ZONE, name: ZONE, createdAt: now })
  store.applications.create({ id: APP, zoneId: ZONE, name: APP, registrationMethod: 'managed', secretHash: await hashSecret(SECRET), status: 'active', createdAt: now, updatedAt: now })
  store.resources.register(ZONE, RESOURCE, [SCOPE], 'res-bench-tools', now)
  const policy = new PolicyEngine({ bundle: await loadPolicyBundle(defaultManifestPath()) })
  policy.activate(ZONE, { app_ids: { [APP]: APP }, grants: { [RESOURCE]: { application: APP, roles: { [APP]: [SCOPE] } } } })
  const auditKey = Buffer.alloc(32, 5)
  const audit = new AuditLog(store.auditEvents, { hmacKey: auditKey })
  const keys = new KeyRing(sealedKeyPersistence(store.signingKeys, Buffer.alloc(32, 6)))
  const exchange = new TokenExchange({
    issuer: ISSUER, store, keys, policy, audit, failures: new AuthFailureLimiter(), mintRate: new MintRateLimiter(10_000_000),
  })
  return { store, policy, audit, auditKey, keys, exchange }
}

export async function benchSts(options?: MeasureOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'caracal-bench-sts-'))
  const world = await startWorld(dir)
  const { store, policy, audit, keys, exchange } = world
  try {
    let seq = 0
    const requestId = () => `bench-${++seq}`
    const session = await exchange.sessions.start({ zoneId: ZONE, applicationId: APP, lifecycle: 'task', ttlSeconds: 3600, requestId: requestId(), startedBy: 'bench' })
    const agent = await exchange.exchange(
      { grantType: TOKEN_EXCHANGE_GRANT, zoneId: ZONE, applicationId: APP, clientSecret: SECRET, agentSessionId: session.id, resources: [], scopes: [] },
      requestId(),
    )
    const agentMandate = agent.access_token
    const request = { subjectToken: agentMandate, resource: RESOURCE, scopes: [SCOPE] }
    const exchangeOnce = () => exchange.exchangeForResource(request, requestId())
    const sample = await exchangeOnce()
    if (sample.target_resources?.[0] !== RESOURCE || sample.scope !== SCOPE) throw new Error('the bench exchange did not grant the resource')
    const before = countRows(store)

    // The floor: what an exchange cannot avoid, one ES256 signature of the same claim set and one
    // policy decision on the input the exchange builds.
    const key = keys.signingKey(ZONE)
    const resourceClaims = verifyMandateIdentity(sample.access_token, { issuer: ISSUER, audience: RESOURCE, zoneId: ZONE }, keys, Date.now()).claims as unknown as MandateClaims
    const presented = verifyMandateIdentity(agentMandate, { issuer: ISSUER, audience: ISSUER, zoneId: ZONE, requiredUse: 'session' }, keys, Date.now())
    const version = policy.version(ZONE)!
    const row = store.resources.get(ZONE, RESOURCE)!
    const policyInput = () =>
      buildExchangeInput({
        principal: { applicationId: APP, zoneId: ZONE, registrationMethod: 'managed', agentSessionId: session.id, lifecycle: session.lifecycle, labels: session.labels },
        resource: { id: row.id, identifier: row.identifier, scopes: row.scopes },
        requestedScopes: [SCOPE],
        traceId: 'bench-floor',
        authorityRecordId: presented.authorityRecordId,
        subjectClaims: presented.claims as Record<string, unknown>,
        challengeResolved: false,
      })
    const decision = version.evaluate(ENTRYPOINTS.exchange, policyInput())
    if (decision.decision !== 'allow' || decision.stepUp) throw new Error(`the floor's policy input was not a plain allow (${decision.reason})`)
    const floorOp = () => {
      version.evaluate(ENTRYPOINTS.exchange, policyInput())
      return mintMandate(resourceClaims, key)
    }

    console.log(`exchange: agent mandate ${agentMandate.length} B → resource mandate ${sample.access_token.length} B; SQLite file ${join(dir, 'sts.sqlite')} (removed at the end)`)
    const sign = measure('  baseline part: ES256 sign of the claim set (mintMandate)', () => mintMandate(resourceClaims, key), options)
    const evaluate = measure('  baseline part: policy evaluation (exchange entrypoint)', () => version.evaluate(ENTRYPOINTS.exchange, policyInput()), options)
    const floor = measure('  baseline: floor = sign + policy', floorOp, options)
    const sequential = await measureAsync('  ours: exchangeForResource, 1 in flight', exchangeOnce, options)
    const concurrent = await measureConcurrent(`  ours: exchangeForResource, ${IN_FLIGHT} in flight`, exchangeOnce, IN_FLIGHT, options)
    for (const m of [sign, evaluate, floor, sequential, concurrent]) console.log(formatMeasurement(m))
    const ratio = (m: Measurement) => `${(m.microsPerOp / floor.microsPerOp).toFixed(2)}×`
    console.log(`  ratio exchange cost / floor cost: ${ratio(sequential)} (1 in flight), ${ratio(concurrent)} (${IN_FLIGHT} in flight)`)
    await audit.flushed()
    const after = countRows(store)
    const chain = verifyZoneChain(store.auditEvents, world.auditKey, ZONE)
    const fileBytes = ['sts.sqlite', 'sts.sqlite-wal'].reduce((sum, f) => sum + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0)
    console.log(
      `  written during warm-up and measurement: ${after.audit - before.audit} audit rows, ${after.records - before.records} authority records, ${after.jtis - before.jtis} jtis; ` +
        `chain of ${chain.events} events ${chain.firstBreak ? `BROKEN at ${chain.firstBreak.chainSeq} (${chain.firstBreak.reason})` : 'verifies'}; database ${(fileBytes / 2 ** 20).toFixed(1)} MiB`,
    )
    const best = concurrent.opsPerSecond.median
    console.log(`  goal: ≥ ${GOAL_EXCHANGES_PER_SECOND} exchanges/s — ${best >= GOAL_EXCHANGES_PER_SECOND ? 'met' : 'MISSED'} (${Math.round(best)}/s with ${IN_FLIGHT} in flight, ${Math.round(sequential.opsPerSecond.median)}/s with 1)`)

    // Verification of a resource mandate the exchange minted, as the proxy does on every call.
    const token = (await exchangeOnce()).access_token
    const verifyOptions = { issuer: ISSUER, audience: RESOURCE, zoneId: ZONE, requiredScopes: [SCOPE], requiredTargets: [RESOURCE], requireSession: true }
    const deps = { keys, revocations: new InMemoryRevocationStore() }
    const check = await authenticateMandate(token, verifyOptions, deps)
    if (!check.ok) throw new Error(`the minted resource mandate does not verify: ${check.error.wireCode}`)
    const joseKey = await importJWK(keys.signingKey(ZONE).jwk, 'ES256')
    const joseOptions = { algorithms: ['ES256'], issuer: ISSUER, audience: RESOURCE, clockTolerance: 60, requiredClaims: [...REQUIRED_CLAIMS] }
    await jwtVerify(token, joseKey, joseOptions)
    console.log(`verify: resource mandate ${token.length} B`)
    const jose = await measureAsync('  baseline: jose.jwtVerify (ES256 CryptoKey, claims)', () => jwtVerify(token, joseKey, joseOptions), options)
    const ours = await measureAsync('  ours: authenticateMandate (+ claim types, targets, anchors)', () => authenticateMandate(token, verifyOptions, deps), options)
    for (const m of [jose, ours]) console.log(formatMeasurement(m))
    const speed = ours.opsPerSecond.median / jose.opsPerSecond.median
    console.log(`  ratio ours / jose verifications per second: ${speed.toFixed(2)}`)
    console.log(`  goal: verification no slower than jose (ratio ≥ 1.0) — ${speed >= 1 ? 'met' : 'MISSED'}`)
  } finally {
    await audit.flushed()
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
