// The proxy's metrics (GET /metrics): tool calls by outcome and reason, their latency, resource
// exchanges, and how often a cached mandate spared one. Label values come from our own fixed
// vocabularies (decisions, reason codes, server names), never from what a client sent.
import type { MetricsRegistry } from '../metrics/index.js'

const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export type ProxyMetrics = ReturnType<typeof proxyMetrics>

export function proxyMetrics(registry: MetricsRegistry) {
  return {
    toolCalls: registry.counter('caracal_mcp_tool_calls_total', 'tools/call requests by decision and reason (reason "complete" for allowed calls)', ['server', 'decision', 'reason']),
    toolCallSeconds: registry.histogram('caracal_mcp_tool_call_duration_seconds', 'Time from decision to the upstream answer of allowed tools/call requests', LATENCY_BUCKETS_SECONDS, ['server']),
    exchanges: registry.counter('caracal_mcp_resource_exchanges_total', 'Resource exchanges made for uses (cache misses, and every gateway call), by outcome: minted, denied, approval_required, unavailable, unauthenticated', ['outcome']),
    cache: registry.counter('caracal_mcp_mandate_cache_total', 'Resource mandate cache lookups, hit or miss', ['result']),
    sessions: registry.gauge('caracal_mcp_sessions', 'Open downstream MCP sessions'),
    revokedCalls: registry.counter('caracal_mcp_calls_cancelled_by_revocation_total', 'In-flight upstream calls cancelled because their authority was revoked'),
    refusals: registry.counter('caracal_mcp_http_refusals_total', 'MCP endpoint requests the proxy answered with an HTTP error of its own, by status and error code: refusals at the door (401, 403, 404, 413, …) and failures before an answer began (5xx)', ['status', 'code']),
  }
}
