// A three-hop call through the proxy against the same three servers chained directly, in one run
// and one process: client → agent a → agent b → echo server. Directly, each agent calls the next
// server itself; through caracal-mcp, every hop goes through /mcp — the client with its agent
// mandate, each agent with the mandate the proxy handed it for its delegation (its session and
// edge made on the first call and reused after, as for a running agent). Sequential calls from one
// client, rounds alternating the chains so a noisy moment of the VM does not land on one alone;
// p50/p99 of each and their ratio, plus what the proxy adds per hop.
import { loadavg } from 'node:os'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { BENCH_APP, connect, disconnect, startBenchProduct } from './bench-product.js'
import { startRelayAgent } from './hops-agents.js'
import { startEchoUpstream } from './proxy-ends.js'

const ROUNDS = 5
const CALLS_PER_ROUND = 200
const WARMUP_CALLS = 100
const HOPS = 3

type Chain = 'direct' | 'proxied'

async function calls(client: Client, tool: string, count: number, into?: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const result = await client.callTool({ name: tool, arguments: { text: 'hop hop hop' } })
    const text = (result.content as { text?: string }[] | undefined)?.[0]?.text
    if (result.isError || text !== 'hop hop hop') throw new Error(`the ${tool} chain failed: ${JSON.stringify(result)}`)
    into?.push(performance.now() - started)
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

export async function benchHops(): Promise<void> {
  const leaf = await startEchoUpstream()
  // The direct chain.
  const [a, b] = [await startRelayAgent('a'), await startRelayAgent('b')]
  b.next = { url: leaf.url, tool: 'echo', viaProxy: false }
  a.next = { url: b.url, tool: 'relay', viaProxy: false }
  // The same servers' code again, behind the proxy.
  const [pa, pb] = [await startRelayAgent('a'), await startRelayAgent('b')]
  const product = await startBenchProduct({
    zoneData: {
      app_ids: { [BENCH_APP]: BENCH_APP, 'bench-a': 'bench-a', 'bench-b': 'bench-b' },
      grants: {
        'resource://a/relay': { application: BENCH_APP, roles: { [BENCH_APP]: ['a:use'] } },
        'resource://b/relay': { applications: [BENCH_APP, 'bench-a'], roles: { [BENCH_APP]: ['b:use'], 'bench-a': ['b:use'] } },
        'resource://c/echo': { applications: [BENCH_APP, 'bench-a', 'bench-b'], roles: { [BENCH_APP]: ['c:use'], 'bench-a': ['c:use'], 'bench-b': ['c:use'] } },
      },
    },
    mcpServers: { a: { type: 'http', url: pa.url }, b: { type: 'http', url: pb.url }, c: { type: 'http', url: leaf.url } },
    protection: {
      a: { groups: { relay: { tools: ['relay'], scopes: ['a:use'] } }, agent: { application: 'bench-a', delegate: { scopes: ['b:use', 'c:use'], maxHops: 2 } } },
      b: { groups: { relay: { tools: ['relay'], scopes: ['b:use'], requireDelegation: true } }, agent: { application: 'bench-b', delegate: { scopes: ['c:use'] } } },
      c: { groups: { echo: { tools: ['echo'], scopes: ['c:use'], maxHopCount: 2 } } },
    },
  })
  pb.next = { url: `${product.url}/mcp`, tool: 'c__echo', viaProxy: true }
  pa.next = { url: `${product.url}/mcp`, tool: 'b__relay', viaProxy: true }
  const clients: Record<Chain, Client> = {
    direct: await connect(a.url),
    proxied: await connect(`${product.url}/mcp`, { bearer: await product.mint(await product.agentSession()) }),
  }
  const tools: Record<Chain, string> = { direct: 'relay', proxied: 'a__relay' }
  try {
    console.log(`setup: client → a → b → echo, SDK McpServers over Streamable HTTP, all in this process; through caracal-mcp every hop passes /mcp (agents a and b delegated to, upstreamAuth none); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
    for (const chain of ['direct', 'proxied'] as const) await calls(clients[chain], tools[chain], WARMUP_CALLS)
    const latencies: Record<Chain, number[]> = { direct: [], proxied: [] }
    for (let round = 0; round < ROUNDS; round++) {
      const order: Chain[] = round % 2 === 0 ? ['direct', 'proxied'] : ['proxied', 'direct']
      for (const chain of order) await calls(clients[chain], tools[chain], CALLS_PER_ROUND, latencies[chain])
    }
    const p = (chain: Chain, q: number) => percentile([...latencies[chain]].sort((x, y) => x - y), q)
    for (const chain of ['direct', 'proxied'] as const) {
      console.log(`  3-hop tools/call, ${chain.padEnd(7)}  p50 ${p(chain, 0.5).toFixed(2)} ms  p99 ${p(chain, 0.99).toFixed(2)} ms  (${latencies[chain].length} calls)`)
    }
    console.log(`  ratio proxied / direct: p50 ${(p('proxied', 0.5) / p('direct', 0.5)).toFixed(2)}×, p99 ${(p('proxied', 0.99) / p('direct', 0.99)).toFixed(2)}×; the proxy adds ${((p('proxied', 0.5) - p('direct', 0.5)) / HOPS).toFixed(2)} ms p50 per hop`)
    const unexpected = product.unexpectedWarnings()
    if (unexpected.length > 0) console.log(`  proxy warnings: ${unexpected.slice(0, 5).join(' | ')}`)
  } finally {
    await disconnect(clients.direct)
    await disconnect(clients.proxied)
    for (const agent of [a, b, pa, pb]) await agent.close()
    await product.close()
    await leaf.close()
  }
}
