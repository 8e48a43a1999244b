// Proves the text form of `audit explain` cannot drive an operator's terminal: control characters
// a client chose (a tool name, a request id, a deny reason, an application id) come out escaped
// as \u001b and so on, C1 and DEL included, and so do the invisible characters that reorder or
// hide text (bidi overrides, zero-width characters, line separators), while the --json form
// (JSON.stringify) is left to JSON's own escaping. The tree itself is proved in explain.test.ts.
import { describe, expect, it } from 'vitest'
import { explainRequest, explanationLines, printable, type ExplainRow } from '../../../src/audit/index.js'

const ESC = '\u001b'
const CSI = '\u009b'

/** A denied tool call row, as the admin API shows it (JSON columns parsed), with hostile strings in it. */
const row: ExplainRow = {
  id: 'row-1', zone_id: 'z1', chain_seq: 1, event_type: 'tool_call', request_id: `req${ESC}]0;owned${'\u0007'}`,
  decision: 'deny', evaluation_status: `tool_not_granted${ESC}[2J`, occurred_at: '2026-01-01T00:00:00.000Z',
  diagnostics: [{ reason: `because${CSI}31m` }],
  metadata: { application_id: `app${'\u007f'}`, server: 'files', tool: `read${ESC}[31m\nfake line`, group: 'read', resource: 'resource://files/read' },
}

describe('explanationLines', () => {
  it('escapes C0, C1 and DEL characters from the rows and the request id', () => {
    const lines = explanationLines(explainRequest(String(row.request_id), [row], () => undefined))
    const text = lines.join('\n')
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBe('request req\\u001b]0;owned\\u0007: 1 call over 1 hop, 1 denied')
    expect(lines[1]).toBe('- hop 0 app\\u007f files__read\\u001b[31m\\u000afake line [files/read] deny: tool_not_granted\\u001b[2J (because\\u009b31m)')
  })

  it('escapes the invisible characters that reorder or hide text', () => {
    // "Trojan Source": a right-to-left override makes `read_file` + RLO + `etirw` display as a tool of another name.
    expect(printable('read_file\u202eetirw')).toBe('read_file\\u202eetirw')
    expect(printable('a\u2066b\u2069c\u200fd\u061ce\u200bf\u2060g\ufeffh\u2028i\u2029j\ufff9k')).toBe(
      'a\\u2066b\\u2069c\\u200fd\\u061ce\\u200bf\\u2060g\\ufeffh\\u2028i\\u2029j\\ufff9k',
    )
  })

  it('leaves printable text, non-ASCII included, as it is', () => {
    expect(printable('files__read → ok · é 🦁')).toBe('files__read → ok · é 🦁')
  })
})
