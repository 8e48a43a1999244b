// Bounds of an agent session, as Caracal's Coordinator sets them: labels (≤ 32, ≤ 64 characters
// each), a task's TTL and a service's heartbeat interval, children per parent (10) and depth
// (10). The live-session limits per zone and per application are configurable; Caracal's
// documents name no figure, so these defaults are ours.
export const MAX_LABELS = 32
export const MAX_LABEL_LENGTH = 64
export const DEFAULT_TASK_TTL_SECONDS = 3600
export const MAX_TASK_TTL_SECONDS = 86_400
export const DEFAULT_HEARTBEAT_SECONDS = 300
export const MIN_HEARTBEAT_SECONDS = 10
export const MAX_HEARTBEAT_SECONDS = 3600
export const MAX_CHILDREN_PER_PARENT = 10
export const MAX_SESSION_DEPTH = 10

export interface SessionLimits {
  liveSessionsPerZone: number
  liveSessionsPerApplication: number
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { liveSessionsPerZone: 100_000, liveSessionsPerApplication: 10_000 }
