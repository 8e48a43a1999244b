// The bench's side of a hop in its own process (hop-process.ts): forks it, waits until it
// listens, and asks it for what only it can read (its CPU, its memory, the proxy's sessions).
import { fork, type ChildProcess } from 'node:child_process'
import type { HopKind, HopOps } from './hop-process.js'

export interface ForkedHop {
  /** The MCP endpoint URL. */
  url: string
  /** The product's base URL (proxy only): its token endpoint and /metrics. */
  base?: string
  ask<K extends keyof HopOps>(op: K, arg?: Parameters<HopOps[K]>[0]): Promise<Awaited<ReturnType<HopOps[K]>>>
  close(): Promise<void>
}

type Reply = { id: number; ok: boolean; value?: unknown; error?: string } | { ready: { url: string; base?: string } }

/** A hop that does not close within this long is killed: a bench run never hangs on one. */
const CLOSE_TIMEOUT_MS = 10_000

export async function forkHop(kind: HopKind, upstreamUrl: string): Promise<ForkedHop> {
  const child: ChildProcess = fork(new URL('./hop-process.js', import.meta.url), [kind, upstreamUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  let nextId = 0
  let ended: Error | undefined
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ready = new Promise<{ url: string; base?: string }>((resolve, reject) => {
    const end = (error: Error) => {
      ended ??= error
      reject(ended)
      for (const waiting of pending.values()) waiting.reject(ended)
      pending.clear()
    }
    child.on('message', (reply: Reply) => {
      if ('ready' in reply) return resolve(reply.ready)
      const waiting = pending.get(reply.id)
      pending.delete(reply.id)
      if (reply.ok) waiting?.resolve(reply.value)
      else waiting?.reject(new Error(`hop ${kind}: ${reply.error}`))
    })
    // It could not be started, or a message could not reach it: as if it had exited.
    child.on('error', (error) => end(new Error(`hop ${kind}: ${error.message}`)))
    child.once('exit', (code, signal) => end(new Error(`hop ${kind} exited (${signal ?? code})`)))
  })
  const { url, base } = await ready
  const ask = (op: string, arg?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      if (ended) return reject(ended)
      const id = nextId++
      pending.set(id, { resolve, reject })
      child.send({ id, op, arg }, (error) => {
        if (!error) return
        pending.delete(id)
        reject(error)
      })
    })
  return {
    url,
    ...(base !== undefined && { base }),
    ask: ask as ForkedHop['ask'],
    async close() {
      const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS)
      if (!ended) await ask('close' as keyof HopOps).catch(() => {})
      else if (child.exitCode === null && child.signalCode === null) child.kill()
      await exited
      clearTimeout(timer)
    },
  }
}
