// The --config a printed command carries: the path as given, for a config other than the
// default only, quoted for a POSIX shell when it needs to be.
import { describe, expect, it } from 'vitest'
import { configFlag, shellWord } from '../../../src/cli/command-hints.js'

describe('configFlag', () => {
  it('is empty for the default config, given or not', () => {
    expect(configFlag(undefined)).toBe('')
    expect(configFlag('mcp.config.json')).toBe('')
    expect(configFlag('./mcp.config.json')).toBe('')
  })

  it('repeats another config as it was given', () => {
    expect(configFlag('fixtures/hops/mcp.config.json')).toBe(' --config fixtures/hops/mcp.config.json')
    expect(configFlag('/srv/my configs/it\'s.json')).toBe(` --config '/srv/my configs/it'\\''s.json'`)
  })
})

describe('shellWord', () => {
  it('leaves plain words alone and single-quotes the rest', () => {
    expect(shellWord('demo-agent')).toBe('demo-agent')
    expect(shellWord('$(rm -rf ~)')).toBe(`'$(rm -rf ~)'`)
  })
})
