// A tiny, honest micro-benchmark loop: warm up, then several timed runs of a synchronous
// operation; reports the median with min and max, since one run on a shared VM proves little.

export interface Measurement {
  name: string
  opsPerSecond: { median: number; min: number; max: number }
  /** Microseconds per operation at the median. */
  microsPerOp: number
}

export interface MeasureOptions {
  runs?: number
  runMillis?: number
  warmupMillis?: number
}

function timedRun(op: () => unknown, millis: number): number {
  let ops = 0
  const deadline = performance.now() + millis
  let now = performance.now()
  const start = now
  while (now < deadline) {
    for (let i = 0; i < 100; i++) op()
    ops += 100
    now = performance.now()
  }
  return ops / ((now - start) / 1000)
}

export function measure(name: string, op: () => unknown, options: MeasureOptions = {}): Measurement {
  const { runs = 5, runMillis = 1000, warmupMillis = 500 } = options
  timedRun(op, warmupMillis)
  const rates = Array.from({ length: runs }, () => timedRun(op, runMillis)).sort((a, b) => a - b)
  const median = rates[Math.floor(rates.length / 2)]!
  return { name, opsPerSecond: { median, min: rates[0]!, max: rates[rates.length - 1]! }, microsPerOp: 1e6 / median }
}

export function formatMeasurement(m: Measurement): string {
  const k = (n: number) => Math.round(n).toLocaleString('en-US')
  return `${m.name.padEnd(56)} ${k(m.opsPerSecond.median).padStart(9)} ops/s (${k(m.opsPerSecond.min)}–${k(m.opsPerSecond.max)})  ${m.microsPerOp.toFixed(2).padStart(7)} µs/op`
}

async function timedRunAsync(op: () => Promise<unknown>, millis: number): Promise<number> {
  let ops = 0
  const start = performance.now()
  const deadline = start + millis
  let now = start
  while (now < deadline) {
    for (let i = 0; i < 20; i++) await op()
    ops += 20
    now = performance.now()
  }
  return ops / ((now - start) / 1000)
}

/** As measure, for an asynchronous operation awaited one at a time (one in flight). */
export async function measureAsync(name: string, op: () => Promise<unknown>, options: MeasureOptions = {}): Promise<Measurement> {
  const { runs = 5, runMillis = 1000, warmupMillis = 500 } = options
  await timedRunAsync(op, warmupMillis)
  const rates: number[] = []
  for (let r = 0; r < runs; r++) rates.push(await timedRunAsync(op, runMillis))
  rates.sort((a, b) => a - b)
  const median = rates[Math.floor(rates.length / 2)]!
  return { name, opsPerSecond: { median, min: rates[0]!, max: rates[rates.length - 1]! }, microsPerOp: 1e6 / median }
}
