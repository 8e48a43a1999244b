/**
 * @module proxy
 * The MCP proxy: Streamable HTTP at /mcp and /mcp/<server> in front of the configured upstream
 * servers, a resource mandate exchanged per tool group and enforced on every tool call.
 *
 * Must: authenticate every request (401 with a challenge naming the Protected Resource
 * Metadata); bind a session to the principal that opened it; decide tools/list and tools/call
 * before the transport answers; answer a policy deny exactly like an unknown tool; audit every
 * tool call; cancel in-flight calls whose authority is revoked. Must not: forward the client's
 * token (or any of its headers) upstream; list or call a tool that is in no group; let an
 * undecided request reach an upstream.
 */
export { McpProxy, LIST_PAGE_SIZE, REVOKED_DURING_CALL } from './proxy.js'
export { MANDATE_META_KEY } from './upstream-context.js'
export { startProxyService, type ProxyService, type ProxyServiceOptions } from './service.js'
export { MCP_PATH, PRM_PREFIX, metadataUrl, resourceUrl, endpointOf } from './resource-metadata.js'
export { EXPIRY_MARGIN_MS } from './mandate-cache.js'
