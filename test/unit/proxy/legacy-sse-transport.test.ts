// The legacy HTTP+SSE transport against the SDK's SSE server on loopback: messages sent back to
// back, each under another call's headers, are POSTed with their own, though the SDK awaits
// before each POST and the sends overlap there; a message sent with no call carries none.
import { afterEach, expect, it } from 'vitest'
import { LegacySseTransport } from '../../../src/proxy/legacy-sse-transport.js'
import { startLegacySseUpstream, type LegacySseUpstream } from '../../helpers/legacy-sse-upstream.js'

let upstream: LegacySseUpstream | undefined
let transport: LegacySseTransport | undefined
afterEach(async () => {
  await transport?.close()
  await upstream?.close()
})

it('posts each message with the headers of the call that sent it, however the sends overlap', async () => {
  upstream = await startLegacySseUpstream()
  let current: Record<string, string> | undefined
  transport = new LegacySseTransport(new URL(upstream.url), { 'x-every': 'request' }, () => current)
  await transport.start()
  const sends: Promise<void>[] = []
  for (const [id, who] of [[1, 'a'], [2, 'b'], [3, 'a'], [4, undefined], [5, 'c']] as const) {
    current = who === undefined ? undefined : { authorization: `Bearer ${who}` }
    sends.push(transport.send({ jsonrpc: '2.0', id, method: 'ping' }))
  }
  // Two messages alike in every byte (here, notifications) each go once, in the order sent.
  current = { authorization: 'Bearer d' }
  sends.push(transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' }))
  current = { authorization: 'Bearer e' }
  sends.push(transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' }))
  current = undefined
  await Promise.all(sends)
  const byId = Object.fromEntries(upstream.posts.filter((p) => p.id !== undefined).map((p) => [p.id, p.headers.authorization ?? null]))
  expect(byId).toEqual({ 1: 'Bearer a', 2: 'Bearer b', 3: 'Bearer a', 4: null, 5: 'Bearer c' })
  const alike = upstream.posts.filter((p) => p.method === 'notifications/initialized').map((p) => p.headers.authorization).sort()
  expect(alike).toEqual(['Bearer d', 'Bearer e'])
  expect(upstream.posts.every((p) => p.headers['x-every'] === 'request')).toBe(true)
})
