// Runs the built caracal-mcp command as a user does (node dist/…, built by `npm test`'s pretest)
// and checks what it prints and its exit codes, including the one-line errors.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../../src/util/package-root.js'

const root = packageRoot()
const bin = join(root, 'dist', 'src', 'cli', 'main.js')
const dir = mkdtempSync(join(tmpdir(), 'caracal-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: root })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('caracal-mcp', () => {
  it('start decides the example requests of the demo zone', async () => {
    const { code, stdout } = await cli('start')
    expect(code).toBe(0)
    expect(stdout).toMatch(/zone demo: policy version [0-9a-f]{16} active/)
    expect(stdout).toContain('demo-agent asks for its lifecycle mandate: allow (caracal-bootstrap)')
    expect(stdout).toContain('held for approval: allow once approved (step-up: high, approver operator)')
    expect(stdout).toContain('read_file climbing out of /srv/demo/ with ..: deny (tool_argument_prefix_mismatch)')
  })

  it('policy eval prints the decision for an example request', async () => {
    const { code, stdout } = await cli('policy', 'eval', '--input', 'fixtures/requests/demo-2-mint-files-read.json')
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ decision: 'allow', determiningPolicies: [{ policy: 'caracal-demo-agent-mint' }] })
  })

  it('policy check names the zone, file, document and field of malformed data, in one line', async () => {
    writeFileSync(join(dir, 'data.json'), JSON.stringify({ approval_tiers: [{ tier: 'high', approver: 'boss' }] }))
    writeFileSync(join(dir, 'mcp.config.json'), JSON.stringify({ policy: { zones: { z1: { data: 'data.json' } } } }))
    const { code, stderr } = await cli('policy', 'check', '--config', join(dir, 'mcp.config.json'))
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/^caracal-mcp: zone "z1" \(.*data\.json\): policy data document "approval_tiers" is invalid at \[0\]\.approver: /)
  })

  it('answers a usage mistake with exit 2 and the usage', async () => {
    const { code, stderr } = await cli('policy', 'eval', '--inputt', 'x')
    expect(code).toBe(2)
    expect(stderr).toContain('caracal-mcp: unknown option --inputt')
    expect(stderr).toContain('usage: caracal-mcp')
  })
})
