// The proxy as an OAuth protected resource (MCP authorization, RFC 9728): each MCP endpoint is
// its own resource, described at the path-inserted well-known URL, and every 401/403 names that
// document in its Bearer challenge so a client can find the authorization server.
import type { ScopeInsufficientError, UnauthenticatedError } from './errors.js'

export const MCP_PATH = '/mcp'
export const PRM_PREFIX = '/.well-known/oauth-protected-resource'

/** An MCP endpoint: every server aggregated (`/mcp`) or one of them (`/mcp/<server>`). */
export interface Endpoint {
  /** Undefined for the aggregated endpoint. */
  server: string | undefined
  path: string
}

export function endpointOf(server: string | undefined): Endpoint {
  return { server, path: server === undefined ? MCP_PATH : `${MCP_PATH}/${server}` }
}

/** The resource identifier of an endpoint: the public base URL and its path. */
export function resourceUrl(publicBase: string, endpoint: Endpoint): string {
  return `${publicBase}${endpoint.path}`
}

/** RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. */
export function metadataUrl(publicBase: string, endpoint: Endpoint): string {
  const url = new URL(resourceUrl(publicBase, endpoint))
  return `${url.origin}${PRM_PREFIX}${url.pathname}`
}

export function protectedResourceMetadata(publicBase: string, issuer: string, endpoint: Endpoint): Record<string, unknown> {
  return {
    resource: resourceUrl(publicBase, endpoint),
    authorization_servers: [issuer],
    // Scopes are asked per tool group by the proxy itself, never by the client: an agent
    // mandate carries none, so the minimal set a client needs to request is empty.
    scopes_supported: [],
    bearer_methods_supported: ['header'],
    resource_name: endpoint.server === undefined ? 'caracal-mcp (all servers)' : `caracal-mcp: ${endpoint.server}`,
  }
}

// A quoted-string of RFC 9110 §5.6.4: backslash and double quote escaped; control characters
// (which no description of ours contains) dropped rather than sent.
function quoted(value: string): string {
  return `"${value.replace(/[\x00-\x1f\x7f]/g, '').replace(/["\\]/g, '\\$&')}"`
}

export function unauthenticatedChallenge(error: UnauthenticatedError, prm: string): string {
  const parts = error.tokenPresented ? [`error="invalid_token"`, `error_description=${quoted(error.message)}`] : []
  return `Bearer ${[...parts, `resource_metadata=${quoted(prm)}`].join(', ')}`
}

export function insufficientScopeChallenge(error: ScopeInsufficientError, prm: string): string {
  return `Bearer error="insufficient_scope", scope=${quoted(error.scopes.join(' '))}, resource_metadata=${quoted(prm)}, error_description=${quoted(error.message)}`
}
