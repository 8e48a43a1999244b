// Policy evaluation cost: a typical exchange and a tool call with ~2 KB of arguments, each
// against two baselines measured in the same run: a JSON round trip of the same input (what any
// engine taking JSON pays) and the engine floor (the same input decided at the first gate, a
// frozen zone: opa-wasm's fixed cost plus parsing the input, without our rules).
// Goal: ≤ 20 µs per typical evaluation on one core (run pinned: taskset -c 0 npm run bench).
import { ENTRYPOINTS, PolicyEngine, buildExchangeInput, buildToolCallInput, loadPolicyBundle } from '../src/policy/index.js'
import { formatMeasurement, measure, type MeasureOptions } from './harness.js'

const GOAL_MICROS = 20

/** A zone of moderate size: 20 applications, 60 tool-group grants, risk, approval and tool rules. */
function zoneData() {
  const app_ids: Record<string, string> = {}
  const grants: Record<string, unknown> = {}
  for (let a = 0; a < 20; a++) app_ids[`app-${a}`] = `app-${a}`
  for (let r = 0; r < 60; r++) {
    grants[`resource://server-${r}/group`] = {
      application: `app-${r % 20}`,
      roles: { [`app-${r % 20}`]: ['tools:read', 'tools:write', `tools:admin-${r}`], auditor: ['tools:read'] },
    }
  }
  return {
    app_ids,
    grants,
    confinement: [{ label_prefix: 'customer:', scopes: ['tools:read'] }],
    risk: [
      { scope: 'tools:write', tier: 'medium' },
      { scope: 'tools:admin-7', tier: 'high' },
    ],
    approval_tiers: [{ tier: 'high', approver: 'operator' }],
    tool_rules: {
      'server-7': {
        write_file: {
          arguments: {
            path: { required: true, path_prefix: ['/srv/project/', '/tmp/scratch/'] },
            mode: { enum: ['overwrite', 'append'] },
            bytes: { max: 1048576 },
            sudo: { forbidden: true },
          },
        },
      },
    },
  }
}

const principal = { applicationId: 'app-7', zoneId: 'zone-1', agentSessionId: 'sess-1', lifecycle: 'task' as const, labels: ['app-7', 'team:dev'] }
const resource = { id: 'res-7', identifier: 'resource://server-7/group', scopes: ['tools:read', 'tools:write'] }

export async function benchPolicy(options?: MeasureOptions): Promise<void> {
  const engine = new PolicyEngine({ bundle: await loadPolicyBundle() })
  engine.activate('zone-1', zoneData())
  engine.activate('frozen', { ...zoneData(), restrict: ['benchmark-floor'] })

  const exchange = buildExchangeInput({
    principal,
    resource,
    requestedScopes: ['tools:read', 'tools:write'],
    traceId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    authorityRecordId: 'ar-1',
    subjectClaims: { sub: 'app-7', client_id: 'app-7', use: 'session', agent_session_id: 'sess-1', sid: 'ar-1', root_sid: 'ar-1' },
  })
  const content = 'lorem ipsum dolor sit amet, '.repeat(64).slice(0, 1800)
  const toolCall = buildToolCallInput({
    principal,
    resource,
    traceId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c',
    mandateClaims: { scope: 'tools:read tools:write', target: ['resource://server-7/group'], client_id: 'app-7', agent_session_id: 'sess-1' },
    tool: { server: 'server-7', name: 'write_file', arguments: { path: '/srv/project/notes/today.md', mode: 'append', bytes: 1800, content } },
  })
  const toolArgsBytes = JSON.stringify(toolCall.tool).length

  for (const [label, entrypoint, input] of [
    ['exchange: agent mint, 2 scopes, risk diagnostics', ENTRYPOINTS.exchange, exchange],
    [`tool call: 4 argument rules, ${toolArgsBytes} B of arguments`, ENTRYPOINTS.toolCall, toolCall],
  ] as const) {
    const decision = engine.evaluate('zone-1', entrypoint, input)
    if (decision.decision !== 'allow') throw new Error(`bench input for ${label} was denied (${decision.reason}); the bench measures the allow path`)
    if (engine.evaluate('frozen', entrypoint, input).reason !== 'restriction_active') throw new Error('the floor zone must deny at its first gate')
    console.log(`${label}: input ${JSON.stringify(input).length} B`)
    const json = measure('  baseline: JSON round trip of the input', () => JSON.parse(JSON.stringify(input)), options)
    const floor = measure('  baseline: engine floor (first gate denies)', () => engine.evaluate('frozen', entrypoint, input), options)
    const policy = measure('  policy: full decision', () => engine.evaluate('zone-1', entrypoint, input), options)
    for (const m of [json, floor, policy]) console.log(formatMeasurement(m))
    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`
    console.log(`  ratio full / JSON round trip: ${ratio(policy.microsPerOp, json.microsPerOp)}; full / engine floor: ${ratio(policy.microsPerOp, floor.microsPerOp)}`)
    if (entrypoint === ENTRYPOINTS.exchange) {
      const verdict = policy.microsPerOp <= GOAL_MICROS ? 'meets' : 'MISSES'
      console.log(`  goal ≤ ${GOAL_MICROS} µs per typical evaluation: ${verdict} (${policy.microsPerOp.toFixed(2)} µs)`)
    }
  }
}
