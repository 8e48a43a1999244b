// A request of the proxy's own to an upstream (a completion, a log level) through the SDK's
// Client: once answered, aborting the signal it was given tells the upstream nothing. (The SDK's
// Client keeps its abort listener on that signal for good; a caller's session closing later, or
// a timeout signal firing, would otherwise send a cancellation of a request long answered.)
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { UpstreamConnection } from '../../../src/proxy/upstream.js'
import { startTestUpstream, type TestUpstream } from '../../helpers/test-upstream.js'

let upstream: TestUpstream
let connection: UpstreamConnection

beforeAll(async () => {
  upstream = await startTestUpstream()
  connection = new UpstreamConnection('up', { type: 'http', url: upstream.url }, { configDir: '.', log: () => {} })
  await connection.connect(5000)
})
afterAll(async () => {
  await connection?.close()
  await upstream?.close()
})

it('sends no cancellation when the signal of an answered request aborts later', async () => {
  const controller = new AbortController()
  await connection.request('ping', undefined, EmptyResultSchema, { signal: controller.signal, timeoutMs: 5000 })
  const posted = upstream.posts.length
  controller.abort(new Error('the caller went away'))
  await connection.request('ping', undefined, EmptyResultSchema, { signal: new AbortController().signal, timeoutMs: 5000 })
  expect(upstream.posts.slice(posted).map((p) => p.method)).toEqual(['ping'])
})

it('still cancels a request its signal aborts while it is open', async () => {
  const controller = new AbortController()
  const posted = upstream.posts.length
  // `slow` runs until cancelled; its call is made through a request of the proxy's own here.
  const call = connection.request('tools/call', { name: 'slow', arguments: { ms: 5000 } }, EmptyResultSchema.passthrough(), { signal: controller.signal, timeoutMs: 10_000 })
  await expect.poll(() => upstream.posts.slice(posted).map((p) => p.method), { timeout: 5000 }).toEqual(['tools/call'])
  controller.abort(new Error('stop'))
  await expect(call).rejects.toThrow()
  await expect.poll(() => upstream.posts.slice(posted).map((p) => p.method), { timeout: 5000 }).toEqual(['tools/call', 'notifications/cancelled'])
})
