// Proves the secrets come from the environment when set (hex keys of the right length, an admin
// token of at least 32 bearer characters), and otherwise from one development file, created 0600
// once and reused, with a single loud warning; a file from before the admin token gets one added
// without touching its keys. No warning or error message carries a secret.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN_ENV, AUDIT_HMAC_KEY_ENV, SEALING_KEY_ENV, loadSecrets } from '../../../src/config/index.js'

const ADMIN = 'test-only-admin-token-0123456789abcdef'

const dir = mkdtempSync(join(tmpdir(), 'caracal-secrets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('loadSecrets', () => {
  it('takes every secret from the environment without a warning', () => {
    const warnings: string[] = []
    const secrets = loadSecrets(join(dir, 'a', 'db.sqlite'), { [SEALING_KEY_ENV]: '11'.repeat(32), [AUDIT_HMAC_KEY_ENV]: '22'.repeat(48), [ADMIN_TOKEN_ENV]: ADMIN }, (l) => warnings.push(l))
    expect(secrets).toMatchObject({ development: false, adminToken: ADMIN })
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
    expect(first.adminToken).toMatch(/^cmat_[\w-]{43}$/)
    expect(again.adminToken).toBe(first.adminToken)
    expect(warnings.join('\n')).not.toContain(first.adminToken)
  })

  it('refuses an admin token that is short or not a bearer token, without echoing it', () => {
    const keys = { [SEALING_KEY_ENV]: '11'.repeat(32), [AUDIT_HMAC_KEY_ENV]: '22'.repeat(32) }
    for (const bad of ['short-token', `${'x'.repeat(40)} with spaces`]) {
      expect(() => loadSecrets(join(dir, 'd', 'db.sqlite'), { ...keys, [ADMIN_TOKEN_ENV]: bad }, () => {})).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.not.stringContaining(bad) }),
      )
    }
    expect(() => loadSecrets(join(dir, 'd', 'db.sqlite'), { ...keys, [ADMIN_TOKEN_ENV]: 'x'.repeat(31) }, () => {})).toThrow(/CARACAL_MCP_ADMIN_TOKEN must be at least 32 characters/)
  })

  it('falls back to a development admin token alone when the keys are set, and names only it', () => {
    const warnings: string[] = []
    const secrets = loadSecrets(join(dir, 'e', 'db.sqlite'), { [SEALING_KEY_ENV]: '11'.repeat(32), [AUDIT_HMAC_KEY_ENV]: '22'.repeat(32) }, (l) => warnings.push(l))
    expect(secrets.sealingKey).toEqual(Buffer.alloc(32, 0x11))
    expect(secrets).toMatchObject({ development: true, adminToken: expect.stringMatching(/^cmat_/) })
    expect(warnings).toEqual([expect.stringMatching(/^WARNING: CARACAL_MCP_ADMIN_TOKEN not set: using development keys from .*dev-secrets\.json\. You MUST set them in production\.$/)])
  })

  it('adds an admin token to a development file written before it, keeping the keys and mode 0600', () => {
    const file = join(dir, 'f', 'dev-secrets.json')
    mkdirSync(join(dir, 'f'))
    const before = { sealing: '33'.repeat(32), audit: '44'.repeat(32) }
    writeFileSync(file, JSON.stringify(before, null, 2) + '\n', { mode: 0o644 })
    const warnings: string[] = []
    const secrets = loadSecrets(join(dir, 'f', 'db.sqlite'), {}, (l) => warnings.push(l))
    expect(secrets.sealingKey).toEqual(Buffer.alloc(32, 0x33))
    expect(secrets.auditHmacKey).toEqual(Buffer.alloc(32, 0x44))
    const after = JSON.parse(readFileSync(file, 'utf8'))
    expect(after).toEqual({ ...before, admin: secrets.adminToken })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('CARACAL_MCP_SEALING_KEY, CARACAL_MCP_AUDIT_HMAC_KEY and CARACAL_MCP_ADMIN_TOKEN not set')
    expect(loadSecrets(join(dir, 'f', 'db.sqlite'), {}, () => {}).adminToken).toBe(secrets.adminToken)
  })
})
