/**
 * @module config
 * mcp.config.json: schema and loader.
 *
 * Must: validate once at startup, name the JSON path of every error, freeze the result.
 * Must not: be read anywhere else; other modules receive the frozen Config.
 */
export { loadConfig, DATABASE_ENV, type LoadedConfig } from './load.js'
export { configSchema, type Config } from './schema.js'
export { loadSecrets, SEALING_KEY_ENV, AUDIT_HMAC_KEY_ENV, type Secrets } from './secrets.js'
