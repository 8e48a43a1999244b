/**
 * @module metrics
 * Prometheus metrics for the proxy, without a client library: a MetricsRegistry that hands out
 * counters, gauges and histograms (with labels) and renders them in the text exposition format
 * 0.0.4 for a `/metrics` scrape.
 *
 * Use: `const metrics = new MetricsRegistry()`, register each metric once at startup
 * (`metrics.counter('mcp_tool_calls_total', 'Tool calls by decision', ['upstream', 'decision'])`),
 * keep the returned object and call `inc` / `set` / `observe` on it per request; serve
 * `metrics.render()` with `Content-Type: text/plain; version=0.0.4`.
 *
 * Must: validate metric and label names when a metric is registered and refuse a name (or a
 * histogram's `_bucket` / `_sum` / `_count`) registered twice; refuse unknown or missing labels on
 * every call (TypeError: a caller bug); escape label values and help text so that no value can
 * forge a sample line; keep at most `maxSeries` label combinations per metric and count the rest
 * in one `_other` series, since label values can come from requests; stay cheap on the hot path
 * (no regex, no per-call arrays). Must not: import express, MCP or the store; throw from
 * `render()`. Callers must not put tokens, secrets or raw subject ids in label values: whoever
 * can scrape reads them.
 */
// The metric classes are exported as types only: a metric exists through a registry, so that
// name clashes are caught and every metric is rendered.
export {
  DEFAULT_MAX_SERIES,
  MetricsRegistry,
  OTHER_LABEL_VALUE,
  type Counter,
  type Gauge,
  type Histogram,
  type HistogramSnapshot,
  type Labels,
  type MetricsRegistryOptions,
} from './registry.js'
