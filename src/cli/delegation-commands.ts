// `caracal-mcp delegations create|accept|revoke|list`: delegation edges of a zone, as an operator
// (who may create an edge bound to no resource), through the same audited operations as the
// admin API; revoking runs the cascade (downstream edges revoked, target subtrees terminated).
// Revoking an edge revoked already is no failure, as terminating an ended session is not: what
// was asked for holds (exit 0, saying so).
import { z } from 'zod'
import { acceptDelegation, createOperatorDelegation, delegationJson, delegationsOf, revokeDelegation } from '../admin/index.js'
import { DelegationRefusedError } from '../delegation/index.js'
import { CliUsageError } from '../errors.js'
import type { DelegationEdgeRow } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue } from './args.js'
import { required, secondsOption, zoneOf, type CommandGroup } from './command-group.js'
import { configFlag } from './command-hints.js'
import { listOption } from './list-option.js'
import { printTable } from './table.js'

const RFC_3339 = z.iso.datetime({ offset: true })
/** The longest an edge may be asked to live, as the delegation rules bound ttl_seconds. */
const MAX_EDGE_TTL_SECONDS = 86_400

const COLUMNS = ['ID', 'STATUS', 'SOURCE', 'TARGET', 'ISSUER->RECEIVER', 'SCOPES', 'EXPIRES_AT', 'ACCEPTANCE']

function summary(edge: DelegationEdgeRow, nowMs: number): unknown[] {
  const json = delegationJson(edge, nowMs)
  const parties = `${edge.issuerApplicationId}->${edge.receiverApplicationId}`
  return [edge.id, json.status, edge.sourceSessionId, edge.targetSessionId, parties, edge.scopes.join(' '), json.expires_at, edge.acceptedAt === null ? 'pending' : 'accepted']
}

export const DELEGATION_COMMANDS: CommandGroup = {
  valued: ['zone', 'issuer', 'receiver', 'source', 'target', 'scopes', 'resource', 'resources', 'ttl', 'expires-at', 'max-hops', 'parent', 'id', 'application', 'reason', 'session'],
  commands: {
    async create(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const resource = optionValue(args, 'resource')
      const resources = listOption(args, 'resources')
      if (resource !== undefined && resources !== undefined) throw new CliUsageError('give --resource or --resources, not both')
      const ttlSeconds = secondsOption(args, 'ttl', 1, MAX_EDGE_TTL_SECONDS)
      const expiresAt = optionValue(args, 'expires-at')
      if (ttlSeconds !== undefined && expiresAt !== undefined) throw new CliUsageError('give --ttl or --expires-at, not both')
      if (ttlSeconds === undefined && expiresAt === undefined) throw new CliUsageError('a delegation needs an expiry: give --ttl <seconds> or --expires-at <RFC 3339 time>')
      if (expiresAt !== undefined && !RFC_3339.safeParse(expiresAt).success) throw new CliUsageError('--expires-at is an RFC 3339 time, such as 2030-01-01T00:00:00Z')
      const maxHops = optionValue(args, 'max-hops')
      if (maxHops !== undefined && !/^[1-9][0-9]?$/.test(maxHops)) throw new CliUsageError('--max-hops is a whole number from 1 to 10')
      const constraints = { ...(resources && { resources }), ...(maxHops !== undefined && { max_hops: Number(maxHops) }) }
      const scopes = listOption(args, 'scopes')
      if (scopes === undefined) throw new CliUsageError('--scopes is required')
      const receiver = optionValue(args, 'receiver')
      const parent = optionValue(args, 'parent')
      const edge = await createOperatorDelegation(runtime, {
        zoneId,
        issuerApplicationId: required(args, 'issuer'),
        sourceSessionId: required(args, 'source'),
        targetSessionId: required(args, 'target'),
        scopes,
        ...(receiver !== undefined && { receiverApplicationId: receiver }),
        ...(resource !== undefined && { resource }),
        ...(Object.keys(constraints).length > 0 && { constraints }),
        ...(ttlSeconds !== undefined && { ttlSeconds }),
        ...(expiresAt !== undefined && { expiresAt }),
        ...(parent !== undefined && { parentEdgeId: parent }),
        requestId: uuid7(),
      }).catch((error: unknown) => {
        // The rule's own words name the API field; here the caller gave a flag.
        if (error instanceof DelegationRefusedError && error.wireCode === 'parent_delegation_ambiguous') throw new DelegationRefusedError(error.wireCode, 'the source session holds several delegations: name one with --parent <edge id>')
        throw error
      })
      out(`delegation_edge_id: ${edge.id}`)
      out(`expires_at: ${delegationJson(edge).expires_at}`)
      if (resource === undefined && resources === undefined) out('This edge is bound to no resource (broad), which only an operator may create.')
      if (edge.acceptedAt === null) out(`It confers nothing until ${edge.receiverApplicationId} accepts it: caracal-mcp delegations accept --zone ${zoneId} --id ${edge.id} --application ${edge.receiverApplicationId}${configFlag(optionValue(args, 'config'))}`)
      return 0
    },
    async accept(runtime, args, out) {
      const application = required(args, 'application')
      const edge = await acceptDelegation(runtime, zoneOf(runtime, args), required(args, 'id'), application, uuid7())
      out(`delegation ${edge.id} accepted by ${application}`)
      return 0
    },
    async revoke(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const id = required(args, 'id')
      let result
      try {
        result = await revokeDelegation(runtime, zoneId, id, { reason: optionValue(args, 'reason'), requestId: uuid7() })
      } catch (error) {
        // Only `revoked` is the state asked for; an expired edge was never revoked, and stays an error.
        if (!(error instanceof DelegationRefusedError && error.wireCode === 'delegation_not_pending' && delegationsOf(runtime).get(zoneId, id).status === 'revoked')) throw error
        out(`delegation ${id} was revoked already`)
        return 0
      }
      const { revoked, terminatedSessions } = result
      for (const id of revoked) out(`revoked: ${id}`)
      for (const id of terminatedSessions) out(`terminated: ${id}`)
      return 0
    },
    async list(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const sessionId = optionValue(args, 'session')
      const now = Date.now()
      const edges = delegationsOf(runtime).list({ zoneId, ...(sessionId && { sessionId }), limit: 1000 })
      printTable(out, COLUMNS, edges.map((edge) => summary(edge, now)))
      return 0
    },
  },
}
