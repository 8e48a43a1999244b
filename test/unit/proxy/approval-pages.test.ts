// Following offered holds: one follower per hold however many sessions it was offered to, the
// completion told to the sessions still there, and nothing left waiting once nobody can be told.
import { describe, expect, it, vi } from 'vitest'
import { ApprovalPages, type HoldStates } from '../../../src/proxy/approval-notice.js'
import type { DirectExtra, DownstreamSession } from '../../../src/proxy/downstream-session.js'
import type { Verdict } from '../../../src/proxy/tool-call-authorizer.js'

/** Holds whose waits end when the test says so, recording every wait's signal. */
function holds(): HoldStates & { waits: { id: string; signal: AbortSignal }[]; end(state: string): void } {
  let release: (() => void)[] = []
  let state = 'pending'
  const waits: { id: string; signal: AbortSignal }[] = []
  return {
    waits,
    end(to) {
      state = to
      for (const r of release) r()
      release = []
    },
    async wait(id, _seconds, signal) {
      waits.push({ id, signal: signal! })
      if (state === 'pending') await new Promise<void>((resolve) => {
        release.push(resolve)
        signal?.addEventListener('abort', () => resolve(), { once: true })
      })
      return { state }
    },
  }
}

function session(url = true): DownstreamSession & { told: unknown[] } {
  const told: unknown[] = []
  return {
    told,
    closing: false,
    authorizedUntil: Date.now() + 60_000,
    server: {
      getClientCapabilities: () => ({ elicitation: url ? { url: {} } : {} }),
      notification: async (n: unknown) => void told.push(n),
    },
  } as unknown as DownstreamSession & { told: unknown[] }
}

const extra = { sendRequest: vi.fn(async () => ({ action: 'accept' })) } as unknown as DirectExtra
const held = (approvalId: string) => ({ kind: 'approval', approvalId, expiresAt: Date.now() + 60_000 }) as Extract<Verdict, { kind: 'approval' }>

describe('ApprovalPages', () => {
  it('follows a hold once for all its sessions and tells each open one when it ends', async () => {
    const h = holds()
    const pages = new ApprovalPages(h, () => {})
    const [a, b, gone] = [session(), session(), session()]
    for (const s of [a, b, gone]) pages.offer(s, 'http://127.0.0.1:1', held('h1'), extra)
    pages.offer(a, 'http://127.0.0.1:1', held('h1'), extra)
    gone.closing = true
    await vi.waitFor(() => expect(h.waits).toHaveLength(1))
    h.end('approved')
    const complete = { method: 'notifications/elicitation/complete', params: { elicitationId: 'h1' } }
    await vi.waitFor(() => expect([a.told, b.told]).toEqual([[complete], [complete]]))
    expect(gone.told).toEqual([])
  })

  it('follows nothing for a client without URL elicitation', async () => {
    const h = holds()
    new ApprovalPages(h, () => {}).offer(session(false), 'http://127.0.0.1:1', held('h2'), extra)
    await new Promise((resolve) => setImmediate(resolve))
    expect(h.waits).toEqual([])
  })

  it('stops following a hold once every session it was offered to has closed, and on close', async () => {
    const h = holds()
    const pages = new ApprovalPages(h, () => {})
    const [a, b] = [session(), session()]
    pages.offer(a, 'http://127.0.0.1:1', held('h3'), extra)
    pages.offer(b, 'http://127.0.0.1:1', held('h3'), extra)
    pages.offer(b, 'http://127.0.0.1:1', held('h4'), extra)
    await vi.waitFor(() => expect(h.waits.map((w) => w.id)).toEqual(['h3', 'h4']))
    pages.forget(a)
    expect(h.waits[0]!.signal.aborted).toBe(false)
    pages.forget(b)
    expect(h.waits.map((w) => w.signal.aborted)).toEqual([true, true])
    const c = session()
    pages.offer(c, 'http://127.0.0.1:1', held('h5'), extra)
    await vi.waitFor(() => expect(h.waits).toHaveLength(3))
    pages.close()
    expect(h.waits[2]!.signal.aborted).toBe(true)
    h.end('approved')
    await new Promise((resolve) => setImmediate(resolve))
    expect([a.told, b.told, c.told]).toEqual([[], [], []])
  })

  it('starts nothing for a session offered a hold as it closes, nor once the proxy closed', async () => {
    const h = holds()
    const pages = new ApprovalPages(h, () => {})
    const asks = { sendRequest: vi.fn(async () => ({ action: 'accept' })) } as unknown as DirectExtra
    const gone = session()
    pages.forget(gone)
    pages.offer(gone, 'http://127.0.0.1:1', held('late'), asks)
    pages.close()
    pages.offer(session(), 'http://127.0.0.1:1', held('after'), asks)
    await new Promise((resolve) => setImmediate(resolve))
    expect(h.waits).toEqual([])
    expect(asks.sendRequest).not.toHaveBeenCalled()
  })

  it('offers at most 16 pending holds to one session', async () => {
    const h = holds()
    const pages = new ApprovalPages(h, () => {})
    const s = session()
    const asks = { sendRequest: vi.fn(async () => ({ action: 'accept' })) } as unknown as DirectExtra
    for (let i = 0; i < 20; i++) pages.offer(s, 'http://127.0.0.1:1', held(`m${i}`), asks)
    await vi.waitFor(() => expect(asks.sendRequest).toHaveBeenCalledTimes(16))
    expect(h.waits).toHaveLength(16)
    // Once one of them ends, there is room for another.
    h.end('rejected')
    await vi.waitFor(() => expect(s.told).toHaveLength(16))
    pages.offer(s, 'http://127.0.0.1:1', held('m20'), asks)
    await vi.waitFor(() => expect(asks.sendRequest).toHaveBeenCalledTimes(17))
  })
})
