// The shape of mcp.config.json, strict: an unknown key is an error, not a silent no-op.
// Upstreams (`mcpServers`) and their protection join this schema with the proxy.
import { z } from 'zod'

const zoneId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a zone id is 1–64 letters, digits, ".", "_" or "-"')

export const zonePolicySchema = z.strictObject({
  /** Path to this zone's data documents (JSON), relative to the config file. */
  data: z.string().min(1),
})

export const policyConfigSchema = z.strictObject({
  /**
   * Path to a manifest.json of a compiled contract (relative to the config file); by default
   * the contract shipped in policies/build.
   */
  manifest: z.string().min(1).optional(),
  /** The zones of this process and the data each one's policy runs on. */
  zones: z.record(zoneId, zonePolicySchema).refine((zones) => Object.keys(zones).length > 0, 'configure at least one zone'),
})

export const storeConfigSchema = z.strictObject({
  /** SQLite database file, relative to the config file; overridden by CARACAL_MCP_DATABASE. */
  path: z.string().min(1).default('.caracal/caracal.sqlite'),
})

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  policy: policyConfigSchema,
  store: storeConfigSchema.default({ path: '.caracal/caracal.sqlite' }),
})

export type Config = z.infer<typeof configSchema>
