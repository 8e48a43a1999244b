// Proves application secrets are stored as salted scrypt hashes that only the right secret
// matches, and that malformed or absent hashes never match.
import { describe, expect, it } from 'vitest'
import { generateSecret, hashSecret, verifySecret } from '../../../src/application/index.js'

describe('application secrets', () => {
  it('generates distinct, prefixed secrets', () => {
    const a = generateSecret()
    expect(a).toMatch(/^cmcs_[A-Za-z0-9_-]{43}$/)
    expect(generateSecret()).not.toBe(a)
  })

  it('hashes with a fresh salt and verifies only the right secret', async () => {
    const secret = generateSecret()
    const [h1, h2] = await Promise.all([hashSecret(secret), hashSecret(secret)])
    expect(h1).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(h1).not.toBe(h2)
    expect(h1).not.toContain(secret)
    await expect(verifySecret(secret, h1)).resolves.toBe(true)
    await expect(verifySecret(`${secret}x`, h1)).resolves.toBe(false)
    await expect(verifySecret('', h1)).resolves.toBe(false)
  })

  it('never matches an absent or malformed stored hash', async () => {
    const secret = generateSecret()
    const good = await hashSecret(secret)
    await expect(verifySecret(secret, undefined)).resolves.toBe(false)
    for (const bad of ['', 'plain', good.replace('scrypt', 'md5'), good.slice(0, -4), 'scrypt$99999999$8$1$AAAA$AAAA', good.split('$').slice(0, 5).join('$')]) {
      await expect(verifySecret(secret, bad)).resolves.toBe(false)
    }
  })
})
