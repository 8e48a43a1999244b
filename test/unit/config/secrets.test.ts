// Proves the secret keys come from the environment when set (hex, right length), and otherwise
// from one development file, created 0600 once and reused, with a single loud warning.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AUDIT_HMAC_KEY_ENV, SEALING_KEY_ENV, loadSecrets } from '../../../src/config/index.js'

const dir = mkdtempSync(join(tmpdir(), 'caracal-secrets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('loadSecrets', () => {
  it('takes both keys from the environment without a warning', () => {
    const warnings: string[] = []
    const secrets = loadSecrets(join(dir, 'a', 'db.sqlite'), { [SEALING_KEY_ENV]: '11'.repeat(32), [AUDIT_HMAC_KEY_ENV]: '22'.repeat(48) }, (l) => warnings.push(l))
    expect(secrets).toMatchObject({ development: false })
    expect(secrets.sealingKey).toEqual(Buffer.alloc(32, 0x11))
    expect(secrets.auditHmacKey).toHaveLength(48)
    expect(warnings).toEqual([])
  })

  it.each([
    ['a sealing key that is not hex', { [SEALING_KEY_ENV]: 'zz'.repeat(32), [AUDIT_HMAC_KEY_ENV]: '22'.repeat(32) }, /must be hex/],
    ['a sealing key of the wrong length', { [SEALING_KEY_ENV]: '11'.repeat(16), [AUDIT_HMAC_KEY_ENV]: '22'.repeat(32) }, /must be 32 bytes/],
    ['an audit key that is too short', { [SEALING_KEY_ENV]: '11'.repeat(32), [AUDIT_HMAC_KEY_ENV]: '22'.repeat(8) }, /at least 32 bytes/],
  ])('refuses %s', (_what, env, message) => {
    expect(() => loadSecrets(join(dir, 'b', 'db.sqlite'), env, () => {})).toThrow(message)
  })

  it('creates development keys once, 0600, reuses them, and warns each time', () => {
    const warnings: string[] = []
    const first = loadSecrets(join(dir, 'c', 'db.sqlite'), {}, (l) => warnings.push(l))
    const again = loadSecrets(join(dir, 'c', 'db.sqlite'), {}, (l) => warnings.push(l))
    expect(first).toMatchObject({ development: true })
    expect(again.sealingKey).toEqual(first.sealingKey)
    expect(again.auditHmacKey).toEqual(first.auditHmacKey)
    expect(statSync(join(dir, 'c', 'dev-secrets.json')).mode & 0o777).toBe(0o600)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/You MUST set them in production/)
  })
})
