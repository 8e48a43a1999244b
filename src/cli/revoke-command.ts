// `caracal-mcp revoke`: an operator revokes authority records — one record and everything rooted
// in it, every record of a subject (a grant ended), or every record of an application — through
// the same audited operation as the admin API.
import { revokeAuthority, type AuthorityTarget } from '../authority/index.js'
import { CliUsageError } from '../errors.js'
import { uuid7 } from '../util/uuid7.js'
import { optionValue } from './args.js'
import { zoneOf, type CommandGroup } from './command-group.js'

export const REVOKE_COMMANDS: CommandGroup = {
  valued: ['zone', 'record', 'subject', 'application', 'reason'],
  commands: {
    async authority(runtime, args, out) {
      const zoneId = zoneOf(runtime, args)
      const named = (['record', 'subject', 'application'] as const).filter((k) => optionValue(args, k) !== undefined)
      if (named.length !== 1) throw new CliUsageError('name exactly one of --record, --subject, --application')
      const key = named[0]!
      const target = { [key]: optionValue(args, key)! } as AuthorityTarget
      const reason = optionValue(args, 'reason') ?? (key === 'subject' ? 'grant_revoked' : 'revoked_by_operator')
      const revoked = await revokeAuthority(runtime, { zoneId, target, reason, requestId: uuid7(), actor: 'operator:cli' })
      out(`${revoked.length} authority record(s) revoked`)
      return 0
    },
  },
}
