/**
 * @module config
 * mcp.config.json: schema and loader.
 *
 * Must: validate once at startup, name the JSON path of every error, freeze the result.
 * Must not: be read anywhere else; other modules receive the frozen Config.
 */
export { loadConfig, type LoadedConfig } from './load.js'
export { configSchema, type Config } from './schema.js'
