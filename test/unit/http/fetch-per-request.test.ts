// fetchPerRequest ties each request to the connection's AbortSignal only while it is in flight:
// an event stream that breaks off or is cancelled lets go of the signal as one that ends does.
import { getEventListeners } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { fetchPerRequest } from '../../../src/http/fetch-per-request.js'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/** An event stream with one event that ends normally, or with `break` breaks off. */
async function streamingServer(): Promise<string> {
  server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: {}\n\n')
    if (req.url === '/break') setTimeout(() => res.socket?.destroy(), 20)
    else if (req.url === '/end') res.end()
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`
}

async function drain(body: ReadableStream<Uint8Array>): Promise<string> {
  let text = ''
  const decoder = new TextDecoder()
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true })
  return text
}

describe('fetchPerRequest', () => {
  it('lets go of the connection signal when a stream ends, breaks off or is cancelled', async () => {
    const base = await streamingServer()
    const connection = new AbortController()
    const listeners = () => getEventListeners(connection.signal, 'abort').length
    expect(await drain((await fetchPerRequest(`${base}/end`, { signal: connection.signal })).body!)).toBe('data: {}\n\n')
    expect(listeners()).toBe(0)
    for (let i = 0; i < 3; i++) {
      const response = await fetchPerRequest(`${base}/break`, { signal: connection.signal })
      await expect(drain(response.body!)).rejects.toThrow()
    }
    expect(listeners()).toBe(0)
    for (let i = 0; i < 3; i++) await (await fetchPerRequest(`${base}/hold`, { signal: connection.signal })).body!.cancel()
    expect(listeners()).toBe(0)
  })

  it('still stops a stream when the connection is aborted', async () => {
    const base = await streamingServer()
    const connection = new AbortController()
    const response = await fetchPerRequest(`${base}/hold`, { signal: connection.signal })
    const reading = drain(response.body!)
    setTimeout(() => connection.abort(new Error('connection closed')), 20)
    await expect(reading).rejects.toThrow()
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(0)
  })
})
