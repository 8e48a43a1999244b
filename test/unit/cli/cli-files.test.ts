// Files named on the command line: an unreadable one is a typed error naming the option and the
// path; an empty secret file is refused; the content is never part of a message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CliFileInvalidError, CliFileUnreadableError, readCliFile, readSecretFile } from '../../../src/cli/cli-files.js'

const dir = mkdtempSync(join(tmpdir(), 'caracal-cli-files-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readSecretFile', () => {
  it('reads the trimmed secret', async () => {
    writeFileSync(join(dir, 'secret'), 'cmcs_abc\n')
    expect(await readSecretFile(join(dir, 'secret'), '--secret-file')).toBe('cmcs_abc')
  })

  it('names the option and the path of a missing file or a directory', async () => {
    await expect(readSecretFile(join(dir, 'missing'), '--secret-file')).rejects.toMatchObject({ constructor: CliFileUnreadableError, code: 'ERR_CLI_FILE_UNREADABLE', message: `cannot read --secret-file ${join(dir, 'missing')}: no such file` })
    await expect(readCliFile(dir, '--input')).rejects.toMatchObject({ code: 'ERR_CLI_FILE_UNREADABLE', message: `cannot read --input ${dir}: it is a directory` })
  })

  it('refuses an empty secret file', async () => {
    writeFileSync(join(dir, 'blank'), ' \n')
    await expect(readSecretFile(join(dir, 'blank'), 'CARACAL_MCP_TOKEN_FILE')).rejects.toMatchObject({ constructor: CliFileInvalidError, code: 'ERR_CLI_FILE_INVALID', message: `CARACAL_MCP_TOKEN_FILE ${join(dir, 'blank')} is empty` })
  })
})
