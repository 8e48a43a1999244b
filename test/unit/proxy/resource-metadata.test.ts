// Protected Resource Metadata URLs (RFC 9728 path insertion) and the Bearer challenges of 401
// and 403, with quoted-string escaping.
import { describe, expect, it } from 'vitest'
import { ScopeInsufficientError, UnauthenticatedError } from '../../../src/proxy/errors.js'
import { endpointOf, insufficientScopeChallenge, metadataUrl, protectedResourceMetadata, resourceUrl, unauthenticatedChallenge } from '../../../src/proxy/resource-metadata.js'

describe('resource metadata', () => {
  it('inserts the well-known segment between the host and the endpoint path', () => {
    expect(resourceUrl('https://proxy.example', endpointOf('files'))).toBe('https://proxy.example/mcp/files')
    expect(metadataUrl('https://proxy.example', endpointOf(undefined))).toBe('https://proxy.example/.well-known/oauth-protected-resource/mcp')
    expect(metadataUrl('https://proxy.example/base', endpointOf('files'))).toBe('https://proxy.example/.well-known/oauth-protected-resource/base/mcp/files')
  })

  it('describes an endpoint as its own resource with its authorization server', () => {
    expect(protectedResourceMetadata('https://p', 'https://sts', endpointOf('x'))).toMatchObject({ resource: 'https://p/mcp/x', authorization_servers: ['https://sts'], bearer_methods_supported: ['header'], scopes_supported: [] })
  })

  it('omits the error code when no token was sent, and escapes quoted strings', () => {
    expect(unauthenticatedChallenge(new UnauthenticatedError(false), 'https://p/m')).toBe('Bearer resource_metadata="https://p/m"')
    expect(unauthenticatedChallenge(new UnauthenticatedError(true), 'https://p/m')).toBe('Bearer error="invalid_token", error_description="Invalid or expired token", resource_metadata="https://p/m"')
    expect(insufficientScopeChallenge(new ScopeInsufficientError(['a"b', 'c\\d']), 'https://p/m')).toBe(
      'Bearer error="insufficient_scope", scope="a\\"b c\\\\d", resource_metadata="https://p/m", error_description="This tool needs the scopes: a\\"b c\\\\d"',
    )
  })
})
