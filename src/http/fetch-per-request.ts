// A fetch for the SDK's HTTP client transports (the proxy's legacy-SSE upstreams, the stdio
// bridge's connection to the proxy). The SDK hands one connection-wide AbortSignal to every
// fetch, and undici keeps a listener per request on it until garbage collection, so a
// long-lived connection leaks them (and warns with MaxListenersExceeded). Each request gets a
// signal of its own, tied to the connection's only while the request and a streamed response are
// in flight. Redirects are refused: they would re-send a request's credentials elsewhere.
import { childSignal } from '../util/child-signal.js'

export async function fetchPerRequest(url: string | URL, init: RequestInit | undefined, extraHeaders?: Readonly<Record<string, string>>): Promise<Response> {
  const { controller, release } = childSignal(init?.signal ?? undefined)
  let headers = init?.headers
  if (extraHeaders) {
    const merged = new Headers(init?.headers)
    for (const [name, value] of Object.entries(extraHeaders)) merged.set(name, value)
    headers = merged
  }
  let response: Response
  try {
    response = await fetch(url, { ...init, ...(headers && { headers }), redirect: 'error', signal: controller.signal })
  } catch (error) {
    release()
    throw error
  }
  if (!response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    release()
    return response
  }
  // A stream stays tied to the connection until it ends, breaks off or is cancelled (each lets go
  // of the connection's signal: a TransformStream's flush would see only the first), so closing
  // the connection stops it.
  const reader = response.body.getReader()
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>
        try {
          next = await reader.read()
        } catch (error) {
          release()
          throw error
        }
        if (next.done) {
          release()
          controller.close()
        } else controller.enqueue(next.value)
      },
      cancel(reason) {
        release()
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}
