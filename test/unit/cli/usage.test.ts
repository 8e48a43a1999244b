// The usage text: whole, or one command's part of it (what `<command> --help` and a usage error
// print), with the options the commands take (start --no-walkthrough, approvals approve <id>).
import { describe, expect, it } from 'vitest'
import { USAGE, usageOf } from '../../../src/cli/usage.js'

describe('usageOf', () => {
  it('gives one command its own entries only, continuation lines included', () => {
    const approvals = usageOf('approvals')
    expect(approvals).toMatch(/^usage: caracal-mcp/)
    expect(approvals).toContain('approvals approve|reject <id> [--zone id] [--reason r]')
    expect(approvals).toContain("decide a held request as an operator (the zone is the hold's;")
    expect(approvals).not.toContain('sessions start')
    expect(usageOf('config')).toContain('config schema')
    expect(usageOf('start')).toContain('--no-walkthrough skips the governed calls shown at start')
  })

  it('gives the whole usage for an unknown or missing command', () => {
    expect(usageOf('nonsense')).toBe(USAGE)
    expect(usageOf(undefined)).toBe(USAGE)
  })

  it('lists start --no-walkthrough, both client-config --url forms, and how errors and the environment work', () => {
    expect(USAGE).toContain('start [--config mcp.config.json] [--no-walkthrough]')
    expect(USAGE).toContain('endpoint (…/mcp, or …/mcp/<server> for one server)')
    expect(USAGE).toContain('caracal-mcp: <code>')
    expect(USAGE).toContain('reads the same CARACAL_MCP_* environment as\nstart')
  })
})
