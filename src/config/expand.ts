// `${VAR}`, `${VAR:-default}` and `${env:VAR}` in an upstream's command, args, env, cwd, url and
// headers, as MCP clients expand them (Claude Code, Cursor), resolved from the environment when
// the upstream is started. A variable that is unset and has no default is an error naming where
// it is used, never an empty string slipped into a command line or a credential.
import { ConfigError } from '../errors.js'
import type { UpstreamServer } from './upstreams.js'

const REFERENCE = /\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

function expand(value: string, env: NodeJS.ProcessEnv, where: string): string {
  return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const found = env[name]
    if (found !== undefined && found !== '') return found
    if (fallback !== undefined) return fallback
    throw new ConfigError(`${where} uses \${${name}}, which is not set`)
  })
}

const expandRecord = (record: Record<string, string> | undefined, env: NodeJS.ProcessEnv, where: string) =>
  record && Object.fromEntries(Object.entries(record).map(([k, v]) => [k, expand(v, env, `${where}.${k}`)]))

/** The server entry with every reference resolved; the frozen config itself is left as written. */
export function expandUpstream(name: string, server: UpstreamServer, env: NodeJS.ProcessEnv): UpstreamServer {
  const at = `mcpServers.${name}`
  const out: UpstreamServer = { ...server }
  if (server.command !== undefined) out.command = expand(server.command, env, `${at}.command`)
  if (server.args !== undefined) out.args = server.args.map((a, i) => expand(a, env, `${at}.args[${i}]`))
  if (server.env !== undefined) out.env = expandRecord(server.env, env, `${at}.env`)!
  if (server.cwd !== undefined) out.cwd = expand(server.cwd, env, `${at}.cwd`)
  if (server.url !== undefined) out.url = expand(server.url, env, `${at}.url`)
  if (server.headers !== undefined) out.headers = expandRecord(server.headers, env, `${at}.headers`)!
  return out
}
