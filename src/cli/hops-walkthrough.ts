// What `caracal-mcp start --config fixtures/hops/mcp.config.json` shows once the proxy is up: one
// user request crossing three hops (client → planner agent → researcher agent → files server),
// each agent acting only with the mandate the proxy handed it; two calls the hop rules refuse (a
// fourth hop beyond max_hops, and a scope the client never held); and the audit's account of the
// first request, hop under hop, as `caracal-mcp audit explain <request-id>` prints it. It acts as
// the example's client application, `hops-client`, whose secret lives only in memory.
import { auditEventJson } from '../admin/index.js'
import { explainRequest, explanationLines } from '../audit/index.js'
import type { RunningServer, Runtime } from '../runtime.js'
import { uuid7 } from '../util/uuid7.js'
import { describeCall, walkthroughClient } from './walkthrough.js'

const ZONE = 'hops'
/** The application the walkthrough acts as (its secret is rotated on every run). */
export const HOPS_WALKTHROUGH_APPLICATION = 'hops-client'
const APP = HOPS_WALKTHROUGH_APPLICATION

const CALLS: { label: string; args: Record<string, unknown> }[] = [
  { label: 'client → planner → researcher → files (read a file)', args: { topic: 'the demo files' } },
  { label: 'client → planner → researcher → summarizer (a fourth hop: beyond max_hops)', args: { topic: 'deeper', tool: 'researcher__research', arguments: { topic: 'deeper', tool: 'summarizer__research', arguments: { topic: 'deepest' } } } },
  { label: 'client → planner → files write (a scope the client never held)', args: { topic: 'write', tool: 'files__write_file', arguments: { path: '/srv/demo/plan.md', content: 'x' } } },
]

export function hopsWalkthroughApplies(runtime: Runtime): boolean {
  const data = runtime.policy.version(ZONE)?.data as { app_ids?: Record<string, string> } | undefined
  const { protection } = runtime.loaded.config
  return protection.planner?.agent !== undefined && protection.researcher?.agent !== undefined && data?.app_ids?.[APP] === APP
}

/** `config` is ` --config <path>` for the command it prints, as `start` was given it (empty for the default). */
export async function hopsWalkthrough(runtime: Runtime, running: RunningServer, out: (line: string) => void, config: string): Promise<void> {
  let requestId = uuid7()
  const { client, end } = await walkthroughClient(runtime, running, ZONE, APP, 'hops example client', () => requestId)
  try {
    out(`caracal-mcp: walkthrough — ${APP} calls the planner agent on ${running.url}/mcp; every agent calls back in with its own mandate:`)
    const first = (requestId = uuid7())
    for (const [i, call] of CALLS.entries()) {
      if (i > 0) requestId = uuid7()
      out(`  ${call.label}:`)
      out(`    ${summary(await describeCall(client, 'planner__plan', call.args))}`)
      // A refusal reads like an unknown tool to the agent; the reason is the audit's to tell.
      const denied = runtime.store.auditEvents.byRequestId(requestId).filter((row) => row.eventType === 'tool_call' && row.decision === 'deny')
      for (const row of denied) out(`    audit: ${row.evaluationStatus}`)
    }
    out(`caracal-mcp: the audit of the first request (npx caracal-mcp audit explain ${first}${config}):`)
    const rows = runtime.store.auditEvents.byRequestId(first).map(auditEventJson)
    for (const line of explanationLines(explainRequest(first, rows, (anchor, atMs) => runtime.store.revocations.get(anchor, atMs)))) out(`  ${line}`)
  } finally {
    await end()
  }
}

/** Each agent's report, one hop per line: who acted, at which hop, and what came back at the end. */
function summary(described: string): string {
  const json = described.replace(/^ok: /, '')
  let report: Report
  try {
    report = JSON.parse(json) as Report
  } catch {
    return described
  }
  const hops: string[] = []
  for (let r: Report | undefined = report; r; r = r.downstream && 'agent' in r.downstream ? (r.downstream as unknown as Report) : undefined) {
    hops.push(`${r.agent} (hop ${r.mandate?.hop_count ?? '?'}, its mandate's path ${(r.mandate?.delegation_path as unknown[] | undefined)?.length ?? 0} edge(s))`)
    if (!r.downstream || !('agent' in r.downstream)) {
      const d = r.downstream ?? {}
      hops.push(d.error ? `refused: ${d.error.message.replace(/^(MCP error -?\d+: )+/, '')}` : `answered: ${String(d.text ?? JSON.stringify(d)).split('\n')[0]}`)
    }
  }
  return hops.join(' → ')
}

interface Report {
  agent: string
  mandate: Record<string, unknown> | null
  downstream?: Record<string, unknown> & { error?: { message: string }; text?: string }
}
