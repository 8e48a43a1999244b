// The one line a failure prints: our stable code, the wire code where the error has one, the
// message; never a token inside it.
import { describe, expect, it } from 'vitest'
import { errorLine } from '../../../src/cli/error-line.js'
import { CliFileUnreadableError } from '../../../src/cli/cli-files.js'
import { DelegationRefusedError } from '../../../src/delegation/index.js'
import { CliUsageError } from '../../../src/errors.js'

describe('errorLine', () => {
  it('names the stable code', () => {
    expect(errorLine(new CliUsageError('unknown option --x'))).toBe('caracal-mcp: ERR_CLI_USAGE: unknown option --x')
    expect(errorLine(new CliFileUnreadableError('cannot read --secret-file /x: no such file'))).toBe('caracal-mcp: ERR_CLI_FILE_UNREADABLE: cannot read --secret-file /x: no such file')
  })

  it('adds the wire code of an error that has one', () => {
    expect(errorLine(new DelegationRefusedError('self_delegation_denied', 'source and target are the same session'))).toBe('caracal-mcp: ERR_DELEGATION_REFUSED (self_delegation_denied): source and target are the same session')
  })

  it('replaces a token in the message by its fingerprint', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhcHAtYSJ9.c2lnbmF0dXJlLXBhcnQ'
    expect(errorLine(new CliUsageError(`bad ${token}`))).toMatch(/^caracal-mcp: ERR_CLI_USAGE: bad \[token [0-9a-f]+\]$/)
  })
})
