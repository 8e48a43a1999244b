// How the CLI writes its log lines: plain text (`caracal-mcp: …`) for a person at a terminal, or
// one JSON object per line (`CARACAL_MCP_LOG_FORMAT=json`) for a log collector. Either way a
// string that looks like a token is replaced by its fingerprint first: a line can quote an
// upstream's stderr or an error message, and a token in it must never reach a log.
import { tokenFingerprint } from '../audit/index.js'

export const LOG_FORMAT_ENV = 'CARACAL_MCP_LOG_FORMAT'

export type LogLevel = 'info' | 'warn' | 'error'

/** A compact JWS (what every mandate and id_token is): header and payload segments are base64url JSON. */
const TOKEN = /eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g

/** The line with each token in it replaced by its fingerprint, the rest kept for the reader. */
export function withoutTokens(line: string): string {
  return line.replace(TOKEN, (token) => `[token ${tokenFingerprint(token)}]`)
}

export function logWriter(env: NodeJS.ProcessEnv, write: (text: string) => void, level: LogLevel): (line: string) => void {
  const json = env[LOG_FORMAT_ENV] === 'json'
  return (line: string) => {
    const message = withoutTokens(line)
    write(json ? `${JSON.stringify({ time: new Date().toISOString(), level, msg: message })}\n` : `caracal-mcp: ${message}\n`)
  }
}
