// The steps start prints to an agent mandate: they carry the config start was given, and an
// application that exists (or that the walkthrough acts as) is offered a new secret, never
// created again (which would fail with "already exists").
import { describe, expect, it } from 'vitest'
import { mandateSteps } from '../../../src/cli/start-command.js'

const base = { zone: 'demo', app: 'demo-agent', config: '', url: 'http://127.0.0.1:8780', exists: false, walkthroughApp: false }

describe('mandateSteps', () => {
  it('creates an application that does not exist yet', () => {
    const steps = mandateSteps(base)
    expect(steps[0]).toMatch(/^npx caracal-mcp applications create --zone demo --name "Demo agent" --id demo-agent +# prints, once, the secret$/)
    expect(steps.join('\n')).not.toContain('--config')
  })

  it('rotates the secret of one that exists, or that the walkthrough registers, saying so', () => {
    expect(mandateSteps({ ...base, exists: true })[0]).toMatch(/^npx caracal-mcp applications rotate-secret --zone demo --id demo-agent +# demo-agent exists/)
    const hops = mandateSteps({ ...base, zone: 'hops', app: 'hops-client', walkthroughApp: true, config: ' --config fixtures/hops/mcp.config.json' })
    expect(hops[0]).toContain('applications rotate-secret --zone hops --id hops-client --config fixtures/hops/mcp.config.json')
    expect(hops[1]).toContain('rotates its secret at every start')
    expect(hops.join('\n')).not.toContain('applications create')
  })

  it('adds the config to every caracal-mcp command', () => {
    for (const line of mandateSteps({ ...base, config: ' --config x.json' }).filter((l) => l.includes('npx caracal-mcp'))) expect(line).toContain(' --config x.json')
  })
})
