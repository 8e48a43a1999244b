// A hop of the proxy bench in a process of its own, as users run the proxy: the bare forwarder or
// caracal-mcp, in front of the bench's upstream. Its CPU and memory are then its own, read with
// process.cpuUsage() and memoryUsage() in it, not the bench process's minus a baseline: the
// clients and the upstream no longer share its thread and its heap.
//
// `node hop-process.js bare|proxy <upstream url>`, forked with an IPC channel: it answers
// { ready: { url, base } } once listening, then one reply per request { id, op, arg }.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { BenchProduct } from './bench-product.js'
import { startBareForwarder, type Hop } from './proxy-ends.js'

export type HopKind = 'bare' | 'proxy'

/** What the bench may ask of a hop. */
export interface HopOps {
  /** This process's CPU so far, user + system, in µs. */
  cpu(): number
  /** RSS and heap after two full collections. */
  memory(): { rss: number; heapUsed: number }
  /** The proxy's open downstream sessions. */
  sessionCount(): number
  /** A new agent session of the bench app, and agent mandates for it (proxy only). */
  agentSession(): Promise<string>
  mint(sessionId: string): Promise<string>
  unexpectedWarnings(): string[]
}

/** A collected heap, so RSS and heap readings compare like with like (the bench runs without --expose-gc). */
function collect(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
}

/**
 * The product with one zone, the bench app, and upstream `up` (its echo tool in group `basic`).
 * Loaded only here: the forwarder's process holds none of the product's modules.
 */
async function startProxy(upstreamUrl: string): Promise<BenchProduct> {
  const { BENCH_APP, startBenchProduct } = await import('./bench-product.js')
  return startBenchProduct({
    zoneData: { app_ids: { [BENCH_APP]: BENCH_APP }, grants: { 'resource://up/basic': { application: BENCH_APP, roles: { [BENCH_APP]: ['up:use'] } } } },
    mcpServers: { up: { type: 'http', url: upstreamUrl } },
    protection: { up: { groups: { basic: { tools: ['echo'], scopes: ['up:use'] } }, upstreamAuth: { mode: 'none' } } },
  })
}

async function main(kind: HopKind, upstreamUrl: string): Promise<void> {
  const product = kind === 'proxy' ? await startProxy(upstreamUrl) : undefined
  const hop: Hop = product ? { url: `${product.url}/mcp/up`, close: () => product.close() } : await startBareForwarder(upstreamUrl)
  const proxyOnly = (): BenchProduct => {
    if (!product) throw new Error('not a proxy hop')
    return product
  }
  const ops: HopOps = {
    cpu: () => {
      const used = process.cpuUsage()
      return used.user + used.system
    },
    memory: () => {
      collect()
      const { rss, heapUsed } = process.memoryUsage()
      return { rss, heapUsed }
    },
    sessionCount: () => proxyOnly().running.proxy?.proxy.sessionCount ?? 0,
    agentSession: () => proxyOnly().agentSession(),
    mint: (sessionId) => proxyOnly().mint(sessionId),
    unexpectedWarnings: () => product?.unexpectedWarnings() ?? [],
  }
  let closing: Promise<void> | undefined
  const close = () => (closing ??= hop.close())
  process.on('message', (request: { id: number; op: keyof HopOps | 'close'; arg?: string }) => {
    if (request.op === 'close') {
      void close()
        .then(() => ({ ok: true }), (error: Error) => ({ ok: false, error: error?.message ?? String(error) }))
        .then((reply) => process.send?.({ id: request.id, ...reply }, () => process.exit(reply.ok ? 0 : 1)))
      return
    }
    const op = ops[request.op] as (arg?: string) => unknown
    const run = async () => op(request.arg)
    run().then(
      (value) => process.send?.({ id: request.id, ok: true, value }),
      (error: Error) => process.send?.({ id: request.id, ok: false, error: error?.message ?? String(error) }),
    )
  })
  // The bench going away (its channel closing) ends the hop: nothing outlives a run.
  process.once('disconnect', () => void close().then(() => process.exit(0), () => process.exit(1)))
  process.send?.({ ready: { url: hop.url, base: product?.url } })
}

const [kind, upstreamUrl] = process.argv.slice(2)
if ((kind === 'bare' || kind === 'proxy') && upstreamUrl) {
  await main(kind, upstreamUrl)
} else {
  console.error('usage: hop-process.js bare|proxy <upstream url>')
  process.exit(2)
}
