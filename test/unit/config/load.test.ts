// Proves the config loader refuses what it cannot use with the file and JSON path named, and
// hands out a frozen config whose paths resolve against the config file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { configSchema, loadConfig } from '../../../src/config/index.js'
import { packageRoot } from '../../../src/util/package-root.js'

const dir = mkdtempSync(join(tmpdir(), 'caracal-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function write(name: string, body: string): string {
  const path = join(dir, name)
  writeFileSync(path, body)
  return path
}

describe('loadConfig', () => {
  it('loads the repository config, frozen, with paths relative to it', async () => {
    const loaded = await loadConfig(join(packageRoot(), 'mcp.config.json'))
    expect(Object.isFrozen(loaded.config.policy.zones)).toBe(true)
    expect(loaded.resolvePath('fixtures/zones/demo.json')).toBe(join(packageRoot(), 'fixtures', 'zones', 'demo.json'))
  })

  it('names a missing file', async () => {
    await expect(loadConfig(join(dir, 'absent.json'))).rejects.toThrow(/cannot read config .*absent\.json: ENOENT/)
  })

  it('names invalid JSON', async () => {
    await expect(loadConfig(write('bad.json', '{"policy": '))).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/is not valid JSON/) })
  })

  it('names the JSON path of an unknown key', async () => {
    const path = write('unknown.json', JSON.stringify({ policy: { zones: { z: { data: 'd.json', dat: 1 } } } }))
    await expect(loadConfig(path)).rejects.toThrow(/is invalid at \$\.policy\.zones\.z: .*\(dat\)/)
  })

  it('names the JSON path of a bad zone id', async () => {
    const path = write('zone.json', JSON.stringify({ policy: { zones: { 'a zone': { data: 'd.json' } } } }))
    await expect(loadConfig(path)).rejects.toThrow(/is invalid at \$\.policy\.zones\["a zone"\]/)
  })

  it('refuses a config with no zone', async () => {
    await expect(loadConfig(write('empty.json', JSON.stringify({ policy: { zones: {} } })))).rejects.toThrow(/at \$\.policy\.zones: configure at least one zone/)
  })
})

describe('mcp.config.schema.json', () => {
  it('is generated from the current config schema (npm run config:schema)', () => {
    const committed = JSON.parse(readFileSync(join(packageRoot(), 'mcp.config.schema.json'), 'utf8'))
    expect(committed).toEqual(z.toJSONSchema(configSchema, { io: 'input' }))
  })
})
