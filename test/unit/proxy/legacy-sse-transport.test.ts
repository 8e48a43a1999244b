// The legacy HTTP+SSE transport against the SDK's SSE server on loopback: messages sent back to
// back, each under another call's headers, are POSTed with their own, though the SDK awaits
// before each POST and the sends overlap there; a message sent with no call carries none. It
// closes when its event stream ends, and gives up on a POST left unanswered past its timeout.
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
  transport = new LegacySseTransport(new URL(upstream.url), { headers: { 'x-every': 'request' }, callHeaders: () => current, timeoutMs: 5000 })
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

it('closes when its event stream ends: the server\'s session ended with it', async () => {
  upstream = await startLegacySseUpstream()
  transport = new LegacySseTransport(new URL(upstream.url), { headers: {}, callHeaders: () => undefined })
  let closed = 0
  transport.onclose = () => void closed++
  transport.onerror = () => {}
  await transport.start()
  await upstream.dropStreams()
  await expect.poll(() => closed, { timeout: 5000 }).toBe(1)
  await transport.close()
  expect(closed).toBe(1)
})

it('abandons a POST the server does not answer within the timeout', async () => {
  upstream = await startLegacySseUpstream()
  transport = new LegacySseTransport(new URL(upstream.url), { headers: {}, callHeaders: () => ({ authorization: 'Bearer a' }), timeoutMs: 200 })
  transport.onerror = () => {}
  await transport.start()
  upstream.holdPosts = true
  const started = Date.now()
  await expect(transport.send({ jsonrpc: '2.0', id: 1, method: 'ping' })).rejects.toThrow('upstream gave no answer within 200 ms')
  expect(Date.now() - started).toBeLessThan(3000)
  upstream.holdPosts = false
  // The next POST goes out with its own headers, not the abandoned one's.
  await transport.send({ jsonrpc: '2.0', id: 2, method: 'ping' })
  expect(upstream.posts.map((p) => [p.id, p.headers.authorization])).toEqual([[1, 'Bearer a'], [2, 'Bearer a']])
})
