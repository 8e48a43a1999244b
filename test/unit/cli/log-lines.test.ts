// Log lines as text or JSON, and never with a token in them.
import { describe, expect, it } from 'vitest'
import { logWriter } from '../../../src/cli/log-lines.js'

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhcHAtYSJ9.c2lnbmF0dXJlLXBhcnQ'

describe('logWriter', () => {
  it('writes text lines with the product prefix, a token replaced by its fingerprint', () => {
    const lines: string[] = []
    logWriter({}, (t) => void lines.push(t), 'warn')(`upstream files: got Bearer ${TOKEN}`)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^caracal-mcp: upstream files: got Bearer \[token [0-9a-f]+\]\n$/)
  })

  it('writes one JSON object per line when the format asks for it', () => {
    const lines: string[] = []
    logWriter({ CARACAL_MCP_LOG_FORMAT: 'json' }, (t) => void lines.push(t), 'info')(`mandate ${TOKEN} seen`)
    const entry = JSON.parse(lines[0]!) as Record<string, string>
    expect(entry).toEqual({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', msg: expect.stringMatching(/^mandate \[token [0-9a-f]+\] seen$/) })
    expect(lines[0]).not.toContain(TOKEN.split('.')[2])
  })
})
