/**
 * @module config
 * mcp.config.json: schema and loader.
 *
 * Must: validate once at startup, name the JSON path of every error, freeze the result.
 * Must not: be read anywhere else; other modules receive the frozen Config.
 */
export { loadConfig, DATABASE_ENV, type LoadedConfig } from './load.js'
export { configSchema, type Config } from './schema.js'
export { expandUpstream } from './expand.js'
export { SERVER_NAME, groupResource, groupScopes, toolMatches, upstreamKind, type AgentProtection, type ServerProtection, type ToolGroup, type UpstreamServer } from './upstreams.js'
export { loadAuditKey, loadSecrets, AuditKeyUnavailableError, ADMIN_TOKEN_ENV, ADMIN_TOKEN_MIN_LENGTH, AUDIT_HMAC_KEY_ENV, SEALING_KEY_ENV, type Secrets } from './secrets.js'
