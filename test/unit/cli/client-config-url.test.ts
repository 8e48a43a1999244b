// client-config --url: a base URL or an endpoint, read as the proxy's base and the server an
// endpoint names; anything else is a usage error.
import { describe, expect, it } from 'vitest'
import { proxyUrl } from '../../../src/cli/client-config-command.js'

describe('proxyUrl', () => {
  it('strips a trailing /mcp or /mcp/<server>, and trailing slashes', () => {
    expect(proxyUrl('http://127.0.0.1:8780')).toEqual({ base: 'http://127.0.0.1:8780', server: undefined })
    expect(proxyUrl('http://127.0.0.1:8780/mcp/')).toEqual({ base: 'http://127.0.0.1:8780', server: undefined })
    expect(proxyUrl('https://proxy.example.com/caracal/mcp/files')).toEqual({ base: 'https://proxy.example.com/caracal', server: 'files' })
    expect(proxyUrl('https://proxy.example.com/caracal/')).toEqual({ base: 'https://proxy.example.com/caracal', server: undefined })
  })

  it('reads only the path: a host named mcp is a host', () => {
    expect(proxyUrl('http://mcp:8780')).toEqual({ base: 'http://mcp:8780', server: undefined })
  })

  it('refuses what is no http URL, or carries a query', () => {
    for (const url of ['127.0.0.1:8780', 'ftp://x/mcp', 'http://x/mcp?a=1']) expect(() => proxyUrl(url)).toThrow(expect.objectContaining({ code: 'ERR_CLI_USAGE' }))
  })
})
