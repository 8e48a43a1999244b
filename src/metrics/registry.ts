// A tiny Prometheus registry: counters, gauges and histograms with labels, rendered in the text
// exposition format 0.0.4. Dependency-free on purpose: the proxy needs three metric types and one
// output format, not a client library and its transitive dependencies.

// Checked once, at registration; the hot path (inc/set/observe) runs no regex.
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export const DEFAULT_MAX_SERIES = 1000
/** The value of every label of the series that absorbs combinations past a metric's cap. */
export const OTHER_LABEL_VALUE = '_other'

export type Labels = Readonly<Record<string, string>>

/** Cumulative view of one histogram series; `counts[i]` is the number of observations ≤ `buckets[i]`. */
export interface HistogramSnapshot {
  /** Upper bounds, ending with `Infinity` (the `+Inf` bucket). */
  readonly buckets: readonly number[]
  readonly counts: readonly number[]
  readonly sum: number
  readonly count: number
}

function formatNumber(n: number): string {
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  return Number.isNaN(n) ? 'NaN' : String(n)
}

// Label values may hold anything a caller sent (tool names, upstream ids); escaping is what keeps
// a value from closing its quotes or starting a new sample line.
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))
}

function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'))
}

function checkLabelNames(metric: string, labelNames: readonly string[], reserved: readonly string[]): readonly string[] {
  const seen = new Set<string>()
  for (const label of labelNames) {
    // `__` names are reserved for Prometheus itself.
    if (typeof label !== 'string' || !LABEL_NAME.test(label) || label.startsWith('__')) throw new TypeError(`metric ${metric}: invalid label name ${JSON.stringify(label)}`)
    if (reserved.includes(label)) throw new TypeError(`metric ${metric}: label name ${label} is reserved`)
    if (seen.has(label)) throw new TypeError(`metric ${metric}: label name ${label} is repeated`)
    seen.add(label)
  }
  return Object.freeze([...labelNames])
}

/**
 * What the three metric types share: name and label checks, and the label-set → series map.
 *
 * The map is capped at `maxSeries` label combinations. Label values often come from the request
 * (tool names, upstream names, client ids), so without a cap a caller sending arbitrary strings
 * would grow this map, and every scrape, without bound: a memory and scrape-size DoS through the
 * metrics. Past the cap, a new combination is counted in one extra series whose every label value
 * is `_other`: totals stay right, memory stays at `maxSeries + 1` series per metric, and the
 * `_other` series shows on a dashboard that the cap was hit.
 */
abstract class Metric<S extends { readonly labelText: string }> {
  abstract readonly type: 'counter' | 'gauge' | 'histogram'
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
  readonly #maxSeries: number
  readonly #series = new Map<string, S>()
  // The key #key gives for all-`_other` values, so the folded series is found without a lookup
  // object per call, and shares its series with a real all-`_other` combination (two samples
  // with the same labels would be an invalid exposition).
  readonly #otherKey: string

  constructor(name: string, help: string, labelNames: readonly string[], maxSeries: number, reservedLabels: readonly string[] = []) {
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) throw new TypeError(`invalid metric name ${JSON.stringify(name)}`)
    if (typeof help !== 'string') throw new TypeError(`metric ${name}: help is a string`)
    this.name = name
    this.help = help
    this.labelNames = checkLabelNames(name, labelNames, reservedLabels)
    this.#maxSeries = maxSeries
    this.#otherKey = `${OTHER_LABEL_VALUE.length}:${OTHER_LABEL_VALUE}`.repeat(this.labelNames.length)
  }

  protected abstract newSeries(labelText: string): S
  protected abstract renderSeries(series: S, out: string[]): void

  /** Subclasses call this last in their constructor, once their own fields exist. */
  protected init(): void {
    // A metric without labels shows 0 from the first scrape rather than appearing on first use.
    if (this.labelNames.length === 0) this.#series.set('', this.newSeries(''))
  }

  /** The series the labels count into, created on first use (or the `_other` one past the cap). */
  protected series(labels: Labels | undefined): S {
    const key = this.#key(labels)
    const found = this.#series.get(key)
    if (found !== undefined) return found
    const names = this.labelNames
    if (this.#series.size < this.#maxSeries) return this.#add(key, names.map((n) => labels![n]!))
    return this.#series.get(this.#otherKey) ?? this.#add(this.#otherKey, names.map(() => OTHER_LABEL_VALUE))
  }

  /** The series the labels would count into, without creating it. */
  protected peek(labels: Labels | undefined): S | undefined {
    const found = this.#series.get(this.#key(labels))
    if (found !== undefined || this.#series.size < this.#maxSeries) return found
    return this.#series.get(this.#otherKey)
  }

  /** Appends this metric's HELP, TYPE and sample lines; the registry joins them. */
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`)
    for (const series of this.#series.values()) this.renderSeries(series, out)
  }

  #add(key: string, values: readonly string[]): S {
    const labelText = this.labelNames.map((n, i) => `${n}="${escapeLabelValue(values[i]!)}"`).join(',')
    const series = this.newSeries(labelText)
    this.#series.set(key, series)
    return series
  }

  // Hot path: checks the labels and builds the map key without allocating arrays. Each value is
  // prefixed with its length, so the key is injective whatever characters the values hold
  // (["a:b", "c"] and ["a", "b:c"] differ) and needs no escaping; JSON.stringify would be as safe
  // but needs a values array per call.
  #key(labels: Labels | undefined): string {
    const names = this.labelNames
    if (labels === undefined) {
      if (names.length === 0) return ''
      throw new TypeError(`metric ${this.name}: missing labels ${names.join(', ')}`)
    }
    let key = ''
    for (const name of names) {
      const value = labels[name]
      if (typeof value !== 'string') throw new TypeError(`metric ${this.name}: missing label ${name} (a string)`)
      key += `${value.length}:${value}`
    }
    let given = 0
    for (const label in labels) {
      if (!names.includes(label)) throw new TypeError(`metric ${this.name}: unknown label ${JSON.stringify(label)}`)
      given++
    }
    // Unreachable with plain objects (every name was found above and no unknown one was); kept so
    // that a key of an odd object cannot stand for a different label set.
    if (given !== names.length) throw new TypeError(`metric ${this.name}: labels must be exactly ${names.join(', ')}`)
    return key
  }
}

function labelBlock(labelText: string): string {
  return labelText === '' ? '' : `{${labelText}}`
}

interface ValueSeries {
  readonly labelText: string
  value: number
}

/** A metric whose series each hold one number: counters and gauges. */
abstract class ValueMetric extends Metric<ValueSeries> {
  value(labels?: Labels): number {
    return this.peek(labels)?.value ?? 0
  }

  protected newSeries(labelText: string): ValueSeries {
    return { labelText, value: 0 }
  }

  protected renderSeries(series: ValueSeries, out: string[]): void {
    out.push(`${this.name}${labelBlock(series.labelText)} ${formatNumber(series.value)}`)
  }
}

export class Counter extends ValueMetric {
  readonly type = 'counter'

  constructor(name: string, help: string, labelNames: readonly string[], maxSeries: number) {
    super(name, help, labelNames, maxSeries)
    this.init()
  }

  /** Adds `by` (finite, ≥ 0: a counter only goes up, which is what lets `rate()` detect resets). */
  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0 && by < Infinity)) throw new TypeError(`counter ${this.name}: increment must be a finite number ≥ 0, got ${by}`)
    this.series(labels).value += by
  }
}

export class Gauge extends ValueMetric {
  readonly type = 'gauge'

  constructor(name: string, help: string, labelNames: readonly string[], maxSeries: number) {
    super(name, help, labelNames, maxSeries)
    this.init()
  }

  set(value: number, labels?: Labels): void {
    this.series(labels).value = value
  }

  inc(labels?: Labels, by = 1): void {
    this.series(labels).value += by
  }

  dec(labels?: Labels, by = 1): void {
    this.series(labels).value -= by
  }
}

interface HistogramSeries {
  readonly labelText: string
  /** Per bucket, not cumulative (one increment per observation); the last slot is `+Inf`. */
  readonly counts: Float64Array
  sum: number
  count: number
}

export class Histogram extends Metric<HistogramSeries> {
  readonly type = 'histogram'
  /** Upper bounds as given, without `+Inf`. */
  readonly buckets: readonly number[]
  readonly #le: readonly string[]

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly string[], maxSeries: number) {
    // `le` is the bucket label the format adds itself.
    super(name, help, labelNames, maxSeries, ['le'])
    if (!Array.isArray(buckets)) throw new TypeError(`histogram ${name}: buckets is an array of numbers`)
    buckets.forEach((b, i) => {
      if (typeof b !== 'number' || !Number.isFinite(b)) throw new TypeError(`histogram ${name}: bucket ${b} is not a finite number (+Inf is added by itself)`)
      if (i > 0 && b <= buckets[i - 1]!) throw new TypeError(`histogram ${name}: buckets must be strictly increasing`)
    })
    this.buckets = Object.freeze([...buckets])
    this.#le = [...buckets.map((b) => `le="${formatNumber(b)}"`), 'le="+Inf"']
    this.init()
  }

  observe(value: number, labels?: Labels): void {
    if (Number.isNaN(value)) throw new TypeError(`histogram ${this.name}: cannot observe NaN`)
    const series = this.series(labels)
    const bounds = this.buckets
    let i = 0
    while (i < bounds.length && value > bounds[i]!) i++
    series.counts[i]! += 1
    series.sum += value
    series.count += 1
  }

  snapshot(labels?: Labels): HistogramSnapshot {
    const series = this.peek(labels)
    const counts: number[] = []
    let running = 0
    for (let i = 0; i <= this.buckets.length; i++) {
      running += series?.counts[i] ?? 0
      counts.push(running)
    }
    return { buckets: [...this.buckets, Infinity], counts, sum: series?.sum ?? 0, count: series?.count ?? 0 }
  }

  protected newSeries(labelText: string): HistogramSeries {
    return { labelText, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 }
  }

  protected renderSeries(series: HistogramSeries, out: string[]): void {
    const prefix = series.labelText === '' ? '' : `${series.labelText},`
    let running = 0
    for (let i = 0; i < this.#le.length; i++) {
      running += series.counts[i]!
      out.push(`${this.name}_bucket{${prefix}${this.#le[i]}} ${formatNumber(running)}`)
    }
    out.push(`${this.name}_sum${labelBlock(series.labelText)} ${formatNumber(series.sum)}`)
    out.push(`${this.name}_count${labelBlock(series.labelText)} ${formatNumber(series.count)}`)
  }
}

export interface MetricsRegistryOptions {
  /** Label combinations each metric keeps before folding new ones into `_other`; default 1000. */
  readonly maxSeries?: number
}

/** Owns the metrics of one process and renders them for a scrape. */
export class MetricsRegistry {
  readonly #metrics: Metric<{ readonly labelText: string }>[] = []
  // Every sample name a metric renders (a histogram renders `_bucket`, `_sum`, `_count`), so a
  // counter `x_count` cannot collide with a histogram `x` in the output either.
  readonly #sampleNames = new Set<string>()
  readonly #maxSeries: number

  constructor(options: MetricsRegistryOptions = {}) {
    const maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES
    if (!Number.isSafeInteger(maxSeries) || maxSeries < 1) throw new TypeError(`maxSeries must be a positive integer, got ${maxSeries}`)
    this.#maxSeries = maxSeries
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#register(new Counter(name, help, labelNames, this.#maxSeries), [name])
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#register(new Gauge(name, help, labelNames, this.#maxSeries), [name])
  }

  histogram(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []): Histogram {
    return this.#register(new Histogram(name, help, buckets, labelNames, this.#maxSeries), [name, `${name}_bucket`, `${name}_sum`, `${name}_count`])
  }

  /** The text exposition format 0.0.4 (`Content-Type: text/plain; version=0.0.4`). */
  render(): string {
    const out: string[] = []
    for (const metric of this.#metrics) metric.render(out)
    return out.length === 0 ? '' : `${out.join('\n')}\n`
  }

  #register<M extends Metric<{ readonly labelText: string }>>(metric: M, sampleNames: readonly string[]): M {
    const taken = sampleNames.find((n) => this.#sampleNames.has(n))
    if (taken !== undefined) throw new TypeError(`metric ${metric.name}: ${taken} is already registered`)
    for (const n of sampleNames) this.#sampleNames.add(n)
    this.#metrics.push(metric)
    return metric
  }
}
