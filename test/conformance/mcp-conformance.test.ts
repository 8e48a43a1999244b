// The MCP conformance server suite (@modelcontextprotocol/conformance, pinned), run twice: directly
// against the conformance fixture, and through caracal-mcp in front of the same fixture (per-server
// endpoint /mcp/everything, original names), with an auth shim giving each request of the
// auth-unaware suite an agent mandate. The proxy must not do worse than the server it fronts, and
// its own DNS-rebinding protection must hold (the shim forwards a foreign Host unchanged).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CONFORMANCE_SERVER,
  runConformance,
  startAuthShim,
  startConformanceFixture,
  startConformanceProxy,
  stopAllChildren,
  type AuthShim,
  type ConformanceFixture,
  type ConformanceProxy,
  type ConformanceSummary,
} from '../helpers/auth-shim.js'

const SUITE_TIMEOUT_MS = 50_000

function table(label: string, summary: ConformanceSummary): string {
  const rows = Object.entries(summary.scenarios)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => `  ${s.failed > 0 ? 'FAIL' : 'PASS'}  ${name.padEnd(32)} ${s.passed}/${s.passed + s.failed}${s.warnings > 0 ? ` (${s.warnings} warnings)` : ''}`)
  return [`${label}: ${summary.passed} passed, ${summary.failed} failed`, ...rows].join('\n')
}

describe('MCP conformance suite, directly and through the proxy', () => {
  let fixture: ConformanceFixture | undefined
  let proxy: ConformanceProxy | undefined
  let shim: AuthShim | undefined

  beforeAll(async () => {
    fixture = await startConformanceFixture()
    proxy = await startConformanceProxy(fixture.url)
    shim = await startAuthShim(proxy.url, await proxy.agentMandate())
  }, 30_000)

  afterAll(async () => {
    await shim?.close()
    await proxy?.close()
    await fixture?.close()
    await stopAllChildren()
  }, 30_000)

  it('passes at least as many checks through the proxy as directly, and keeps DNS-rebinding protection', async () => {
    // The two runs are independent (the direct one starts a fixture of its own): run them side by side.
    const [direct, proxied] = await Promise.all([
      runConformance({ timeoutMs: SUITE_TIMEOUT_MS }),
      runConformance({ url: `${shim!.url}/mcp/${CONFORMANCE_SERVER}`, timeoutMs: SUITE_TIMEOUT_MS }),
    ])
    console.log(table('conformance, direct', direct.summary))
    console.log(table('conformance, through caracal-mcp', proxied.summary))
    console.log(`direct summary: ${JSON.stringify(direct.summary)}`)
    console.log(`proxy summary: ${JSON.stringify(proxied.summary)}`)
    const worse = Object.entries(proxied.summary.scenarios).filter(([name, s]) => s.failed > (direct.summary.scenarios[name]?.failed ?? 0))
    if (worse.length > 0) console.log(`worse through the proxy:\n${proxied.stdout}`)

    expect(Object.keys(direct.summary.scenarios).length).toBeGreaterThan(0)
    expect(proxied.summary.scenarios['dns-rebinding-protection']).toBeDefined()
    expect(proxied.summary.scenarios['dns-rebinding-protection']!.failed).toBe(0)
    expect(proxied.summary.passed).toBeGreaterThanOrEqual(direct.summary.passed)
    expect(proxied.summary.failed).toBeLessThanOrEqual(direct.summary.failed)
  }, 100_000)
})
