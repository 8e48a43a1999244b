// What the admin operations act on: the services a runtime opens. The CLI hands over its own
// runtime, the HTTP API the running server's, so both act through the same audited paths.
import type { Approvals } from '../approvals/index.js'
import type { AuditLog } from '../audit/index.js'
import type { Secrets } from '../config/index.js'
import type { Delegations } from '../delegation/index.js'
import type { KeyRing } from '../keys/index.js'
import type { AgentSessions } from '../sessions/index.js'
import type { Store } from '../store/index.js'

export interface AdminServices {
  store: Store
  keys: KeyRing
  audit: AuditLog
  sessions: AgentSessions
  approvals: Approvals
  /** Delegation edges; built over the store, audit and sessions above when not given. */
  delegations?: Delegations
  secrets: Pick<Secrets, 'auditHmacKey'>
}
