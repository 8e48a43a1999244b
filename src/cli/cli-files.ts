// Files the CLI reads because a command line (or a variable the CLI reads) names them: a secret,
// a policy input. A file that cannot be read is a typed error naming the option and the path,
// never a stack trace; the content of a secret file is never part of any message.
import { readFile } from 'node:fs/promises'
import { CaracalMcpError } from '../errors.js'

/** A file named on the command line or by a CARACAL_MCP_* variable that cannot be read. */
export class CliFileUnreadableError extends CaracalMcpError {
  readonly code = 'ERR_CLI_FILE_UNREADABLE'
  override readonly status = 400
}

/** A file that was read but cannot be used as what it was given for (empty secret, not JSON). */
export class CliFileInvalidError extends CaracalMcpError {
  readonly code = 'ERR_CLI_FILE_INVALID'
  override readonly status = 400
}

/** The file's text; `source` is how it was named (`--secret-file`, `CARACAL_MCP_TOKEN_FILE`). */
export async function readCliFile(path: string, source: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CliFileUnreadableError(`cannot read ${source} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? (error as Error).message)}`, { cause: error })
  }
}

/** A secret (or a mandate) kept in a file: its trimmed text, which must not be empty. */
export async function readSecretFile(path: string, source: string): Promise<string> {
  const text = (await readCliFile(path, source)).trim()
  if (!text) throw new CliFileInvalidError(`${source} ${path} is empty`)
  return text
}
