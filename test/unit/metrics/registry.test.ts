// The metrics registry: each metric type renders the exact 0.0.4 text exposition (HELP, TYPE,
// samples; cumulative histogram buckets with +Inf, _sum, _count), label values and help text are
// escaped, names and labels are checked, and a metric past its series cap folds new label
// combinations into one `_other` series. It does not run a Prometheus parser over the output; the
// expected texts are written out by hand from the format description.
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_SERIES, MetricsRegistry, OTHER_LABEL_VALUE } from '../../../src/metrics/index.js'

describe('MetricsRegistry rendering', () => {
  it('renders nothing for an empty registry', () => {
    expect(new MetricsRegistry().render()).toBe('')
  })

  it('renders a counter without labels from 0, then its increments', () => {
    const registry = new MetricsRegistry()
    const calls = registry.counter('mcp_tool_calls_total', 'Tool calls seen.')
    expect(registry.render()).toBe('# HELP mcp_tool_calls_total Tool calls seen.\n# TYPE mcp_tool_calls_total counter\nmcp_tool_calls_total 0\n')
    calls.inc()
    calls.inc(undefined, 2.5)
    expect(calls.value()).toBe(3.5)
    expect(registry.render()).toContain('\nmcp_tool_calls_total 3.5\n')
  })

  it('renders a labelled counter one line per combination, labels in declaration order', () => {
    const registry = new MetricsRegistry()
    const calls = registry.counter('calls_total', 'Calls.', ['upstream', 'decision'])
    calls.inc({ decision: 'allow', upstream: 'github' })
    calls.inc({ upstream: 'github', decision: 'allow' })
    calls.inc({ upstream: 'jira', decision: 'deny' }, 4)
    expect(calls.value({ upstream: 'github', decision: 'allow' })).toBe(2)
    expect(calls.value({ upstream: 'never', decision: 'seen' })).toBe(0)
    expect(registry.render()).toBe(
      [
        '# HELP calls_total Calls.',
        '# TYPE calls_total counter',
        'calls_total{upstream="github",decision="allow"} 2',
        'calls_total{upstream="jira",decision="deny"} 4',
        '',
      ].join('\n'),
    )
  })

  it('renders a gauge that is set, raised and lowered', () => {
    const registry = new MetricsRegistry()
    const inflight = registry.gauge('inflight', 'Calls in flight.', ['upstream'])
    inflight.inc({ upstream: 'a' })
    inflight.inc({ upstream: 'a' }, 3)
    inflight.dec({ upstream: 'a' })
    inflight.set(-1.5, { upstream: 'b' })
    expect(inflight.value({ upstream: 'a' })).toBe(3)
    expect(registry.render()).toBe('# HELP inflight Calls in flight.\n# TYPE inflight gauge\ninflight{upstream="a"} 3\ninflight{upstream="b"} -1.5\n')
  })

  it('renders special gauge values as +Inf, -Inf and NaN', () => {
    const registry = new MetricsRegistry()
    const g = registry.gauge('g', 'g', ['k'])
    g.set(Infinity, { k: 'p' })
    g.set(-Infinity, { k: 'n' })
    g.set(Number.NaN, { k: 'x' })
    expect(registry.render()).toContain('g{k="p"} +Inf\ng{k="n"} -Inf\ng{k="x"} NaN\n')
  })

  it('renders histogram buckets cumulatively, with +Inf, _sum and _count', () => {
    const registry = new MetricsRegistry()
    const latency = registry.histogram('latency_seconds', 'Upstream latency.', [0.1, 0.5, 1], ['upstream'])
    for (const v of [0.05, 0.1, 0.3, 0.7, 2]) latency.observe(v, { upstream: 'github' })
    expect(registry.render()).toBe(
      [
        '# HELP latency_seconds Upstream latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{upstream="github",le="0.1"} 2',
        'latency_seconds_bucket{upstream="github",le="0.5"} 3',
        'latency_seconds_bucket{upstream="github",le="1"} 4',
        'latency_seconds_bucket{upstream="github",le="+Inf"} 5',
        'latency_seconds_sum{upstream="github"} 3.15',
        'latency_seconds_count{upstream="github"} 5',
        '',
      ].join('\n'),
    )
    expect(latency.snapshot({ upstream: 'github' })).toEqual({ buckets: [0.1, 0.5, 1, Infinity], counts: [2, 3, 4, 5], sum: 3.15, count: 5 })
    expect(latency.snapshot({ upstream: 'other' })).toEqual({ buckets: [0.1, 0.5, 1, Infinity], counts: [0, 0, 0, 0], sum: 0, count: 0 })
  })

  it('renders an unlabelled histogram with only an le label, zeroed before any observation', () => {
    const registry = new MetricsRegistry()
    registry.histogram('h', 'h', [1])
    expect(registry.render()).toBe('# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n')
  })

  it('renders metrics in registration order', () => {
    const registry = new MetricsRegistry()
    registry.gauge('b', 'b')
    registry.counter('a', 'a')
    const text = registry.render()
    expect(text.indexOf('# TYPE b gauge')).toBeLessThan(text.indexOf('# TYPE a counter'))
  })
})

describe('MetricsRegistry escaping', () => {
  it('escapes backslash, double quote and newline in label values', () => {
    const registry = new MetricsRegistry()
    const c = registry.counter('c', 'c', ['tool'])
    c.inc({ tool: 'a\\b"c\nd' })
    // A forged value must stay inside its quotes, on its own line.
    c.inc({ tool: '"} 1e9\nc{tool="x' })
    const lines = registry.render().split('\n')
    expect(lines).toContain('c{tool="a\\\\b\\"c\\nd"} 1')
    expect(lines).toContain('c{tool="\\"} 1e9\\nc{tool=\\"x"} 1')
    expect(lines.filter((l) => l.startsWith('c{'))).toHaveLength(2)
  })

  it('escapes backslash and newline in help text, but not double quotes', () => {
    const registry = new MetricsRegistry()
    registry.counter('c', 'path C:\\tmp\nsecond "line"')
    expect(registry.render()).toContain('# HELP c path C:\\\\tmp\\nsecond "line"\n')
  })

  it('keeps label combinations apart whatever characters their values hold', () => {
    const registry = new MetricsRegistry()
    const c = registry.counter('c', 'c', ['a', 'b'])
    c.inc({ a: 'x:1', b: 'y' })
    c.inc({ a: 'x', b: '1:y' })
    c.inc({ a: 'x', b: '' })
    c.inc({ a: '', b: 'x' })
    expect(registry.render().split('\n').filter((l) => l.startsWith('c{'))).toHaveLength(4)
    expect(c.value({ a: 'x:1', b: 'y' })).toBe(1)
  })
})

describe('MetricsRegistry validation', () => {
  it('refuses invalid metric names, naming them', () => {
    const registry = new MetricsRegistry()
    for (const name of ['', '1abc', 'has-dash', 'has space', 'ünï']) {
      expect(() => registry.counter(name, 'x'), name).toThrow(TypeError)
      expect(() => registry.counter(name, 'x'), name).toThrow(JSON.stringify(name))
    }
    expect(() => registry.counter('ok:name_1', 'x')).not.toThrow()
  })

  it('refuses invalid, reserved and repeated label names', () => {
    const registry = new MetricsRegistry()
    expect(() => registry.counter('a', 'x', ['bad-label'])).toThrow(/invalid label name "bad-label"/)
    expect(() => registry.counter('b', 'x', ['with:colon'])).toThrow(TypeError)
    expect(() => registry.counter('c', 'x', ['__reserved'])).toThrow(/invalid label name "__reserved"/)
    expect(() => registry.counter('d', 'x', ['k', 'k'])).toThrow(/label name k is repeated/)
    expect(() => registry.histogram('e', 'x', [1], ['le'])).toThrow(/label name le is reserved/)
    expect(() => registry.counter('f', 'x', ['le'])).not.toThrow()
  })

  it('refuses a name registered twice, also across types and histogram suffixes', () => {
    const registry = new MetricsRegistry()
    registry.counter('dup', 'x')
    expect(() => registry.counter('dup', 'x')).toThrow(/dup is already registered/)
    expect(() => registry.gauge('dup', 'x')).toThrow(/already registered/)
    registry.histogram('lat', 'x', [1])
    expect(() => registry.counter('lat_count', 'x')).toThrow(/lat_count is already registered/)
    registry.counter('q_sum', 'x')
    expect(() => registry.histogram('q', 'x', [1])).toThrow(/q_sum is already registered/)
    expect(() => registry.counter('q', 'x')).not.toThrow()
  })

  it('refuses bad histogram buckets', () => {
    const registry = new MetricsRegistry()
    expect(() => registry.histogram('a', 'x', [1, 1])).toThrow(/strictly increasing/)
    expect(() => registry.histogram('b', 'x', [2, 1])).toThrow(/strictly increasing/)
    expect(() => registry.histogram('c', 'x', [1, Infinity])).toThrow(/not a finite number/)
    expect(() => registry.histogram('d', 'x', [Number.NaN])).toThrow(TypeError)
  })

  it('refuses unknown labels, missing labels and non-string values on every call', () => {
    const registry = new MetricsRegistry()
    const c = registry.counter('c', 'x', ['upstream'])
    const plain = registry.counter('plain', 'x')
    const h = registry.histogram('h', 'x', [1], ['upstream'])
    expect(() => c.inc({ upstream: 'a', tool: 'b' })).toThrow(/unknown label "tool"/)
    expect(() => c.inc({})).toThrow(/missing label upstream/)
    expect(() => c.inc()).toThrow(/missing labels upstream/)
    expect(() => c.inc({ upstream: 1 as unknown as string })).toThrow(/missing label upstream \(a string\)/)
    expect(() => plain.inc({ upstream: 'a' })).toThrow(/unknown label "upstream"/)
    expect(() => h.observe(1, { tool: 'x', upstream: 'a' })).toThrow(/unknown label "tool"/)
    expect(() => h.observe(1)).toThrow(TypeError)
    expect(() => c.value({ upstream: 'a', extra: 'b' })).toThrow(TypeError)
    // Nothing was counted by the refused calls.
    expect(registry.render()).not.toMatch(/^c\{/m)
  })

  it('refuses counter decrements and non-finite increments, and NaN observations', () => {
    const registry = new MetricsRegistry()
    const c = registry.counter('c', 'x')
    expect(() => c.inc(undefined, -1)).toThrow(/finite number ≥ 0/)
    expect(() => c.inc(undefined, Number.NaN)).toThrow(TypeError)
    expect(() => c.inc(undefined, Infinity)).toThrow(TypeError)
    expect(c.value()).toBe(0)
    expect(() => registry.histogram('h', 'x', [1]).observe(Number.NaN)).toThrow(/NaN/)
  })

  it('refuses a maxSeries that is not a positive integer', () => {
    for (const maxSeries of [0, -1, 1.5, Number.NaN]) expect(() => new MetricsRegistry({ maxSeries }), String(maxSeries)).toThrow(TypeError)
  })
})

describe('MetricsRegistry series cap', () => {
  it('defaults to 1000 series per metric', () => {
    expect(DEFAULT_MAX_SERIES).toBe(1000)
    const c = new MetricsRegistry().counter('c', 'x', ['id'])
    for (let i = 0; i < 1000; i++) c.inc({ id: `id-${i}` })
    c.inc({ id: 'one-too-many' })
    expect(c.value({ id: 'id-999' })).toBe(1)
    expect(c.value({ id: OTHER_LABEL_VALUE })).toBe(1)
  })

  it('folds every combination past the cap into one series whose labels are all _other', () => {
    const registry = new MetricsRegistry({ maxSeries: 2 })
    const c = registry.counter('c', 'x', ['upstream', 'tool'])
    c.inc({ upstream: 'a', tool: 't1' })
    c.inc({ upstream: 'a', tool: 't2' })
    for (let i = 0; i < 500; i++) c.inc({ upstream: `evil-${i}`, tool: `t-${i}` })
    // Existing combinations keep counting in their own series.
    c.inc({ upstream: 'a', tool: 't1' }, 10)
    expect(c.value({ upstream: 'a', tool: 't1' })).toBe(11)
    expect(c.value({ upstream: '_other', tool: '_other' })).toBe(500)
    // A combination that would be folded reads the series it was folded into.
    expect(c.value({ upstream: 'evil-3', tool: 't-3' })).toBe(500)
    const samples = registry.render().split('\n').filter((l) => l.startsWith('c{'))
    expect(samples).toEqual(['c{upstream="a",tool="t1"} 11', 'c{upstream="a",tool="t2"} 1', 'c{upstream="_other",tool="_other"} 500'])
  })

  it('shares the folded series with a real all-_other combination, so no sample is repeated', () => {
    const registry = new MetricsRegistry({ maxSeries: 1 })
    const g = registry.gauge('g', 'x', ['k'])
    g.set(1, { k: '_other' })
    g.inc({ k: 'new' }, 2)
    expect(registry.render().split('\n').filter((l) => l.startsWith('g{'))).toEqual(['g{k="_other"} 3'])
  })

  it('caps histograms the same way, per metric', () => {
    const registry = new MetricsRegistry({ maxSeries: 1 })
    const h = registry.histogram('h', 'x', [1], ['tool'])
    const other = registry.counter('other_metric', 'x', ['tool'])
    h.observe(0.5, { tool: 'kept' })
    h.observe(5, { tool: 'x' })
    h.observe(0.5, { tool: 'y' })
    other.inc({ tool: 'x' })
    expect(h.snapshot({ tool: '_other' })).toEqual({ buckets: [1, Infinity], counts: [1, 2], sum: 5.5, count: 2 })
    expect(h.snapshot({ tool: 'kept' }).count).toBe(1)
    // The cap is per metric: the counter still has room for its own first combination.
    expect(other.value({ tool: 'x' })).toBe(1)
    expect(registry.render()).toContain('h_bucket{tool="_other",le="+Inf"} 2\n')
  })
})
