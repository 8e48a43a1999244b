// The reference model for test/property/delegation-bounds.test.ts: agent sessions, delegation
// edges, authority records and revocation anchors, written from contract §2.2, §2.4, §4.3 and §5
// and the session rules of SPEC §2, without importing src/. For every operation it says whether it
// should succeed; for every mint, the most the mandate may carry and when it must stop verifying.
//
// It is the rules of the contract plus two that go beyond its letter, which the model found
// missing and the implementation now keeps: a resource bound is what an edge actually admits
// (`resource_id` and `constraints.resources` together, contract §5.3 step 13, also when narrowing
// a child edge), and no mint stands on a delegator or ancestor session that is not live, nor
// outlives one (see `strictReason`). Reasons from those checks start with `bound:` and `strict:`,
// so a violation report says which promise was broken.

/** mulberry32: a tiny seeded PRNG, so a failing run replays from its seed. */
export class Rng {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new TypeError('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** A random subset in the items' order; non-empty when asked and possible. */
  subset<T>(items: readonly T[], nonEmpty = true): T[] {
    const out = items.filter(() => this.chance(0.5))
    if (nonEmpty && out.length === 0 && items.length > 0) out.push(this.pick(items))
    return [...new Set(out)]
  }
}

export const MAX_SESSION_DEPTH = 10
export const MAX_CHILDREN = 10
export const MAX_DELEGATION_DEPTH = 10
export const DEFAULT_TASK_TTL_SECONDS = 3600
export const DEFAULT_MINT_TTL_SECONDS = 900
export const AGENT_TTL_CAP_SECONDS = 3600
export const RESOURCE_TTL_CAP_SECONDS = 900
export const REVOCATION_TTL_MS = 24 * 60 * 60 * 1000

export interface Grant {
  applications: string[]
  roles: Record<string, string[]>
}

export interface Catalogue {
  /** identifier → declared scopes */
  resources: Record<string, string[]>
  grants: Record<string, Grant>
}

export type Authority = 'full' | 'narrow' | 'none'
export type SpawnAuthorityAsk = { mode: 'inherit' } | { mode: 'none' } | { mode: 'narrow'; scopes: string[]; resources: string[] }

export interface MSession {
  id: string
  app: string
  parent: string | null
  depth: number
  labels: string[]
  authority: Authority
  scopes: string[] | null
  resources: string[] | null
  status: 'active' | 'suspended' | 'terminated'
  deadline: number
}

export interface MConstraints {
  resources?: string[]
  max_hops?: number
  max_depth?: number
  ttl_seconds?: number
  expires_at?: string
}

export interface MEdge {
  id: string
  source: string
  target: string
  issuer: string
  receiver: string
  parent: string | null
  /** The one resource named by `resource` (its identifier), if any. */
  resource: string | null
  scopes: string[]
  constraints: MConstraints
  expiresAt: number
  depth: number
  accepted: boolean
  status: 'active' | 'revoked'
}

export interface MRecord {
  id: string
  session: string
  root: string
  expiresAt: number
  revoked: boolean
}

/** A mandate the real STS issued, as the model remembers it. */
export interface MMandate {
  token: string
  kind: 'agent' | 'resource'
  app: string
  session: string
  edge: string | undefined
  path: string[]
  sid: string
  root: string
  exp: number
  epoch: number | undefined
  resource: string | undefined
  step: number
}

export type Verdict<T> = { ok: true; value: T } | { ok: false; reason: string }
const no = (reason: string): { ok: false; reason: string } => ({ ok: false, reason })
const yes = <T>(value: T): { ok: true; value: T } => ({ ok: true, value })

export interface StartAsk {
  app: string
  ttlSeconds: number
  labels: string[]
}

export interface SpawnAsk {
  parent: string
  app: string
  authority: SpawnAuthorityAsk
  ttlSeconds?: number
  labels?: string[]
}

export interface DelegateAsk {
  caller: string
  source: string
  target: string
  resource?: string
  scopes: string[]
  constraints: MConstraints
  ttlSeconds?: number
  expiresAt?: string
  parentEdgeId?: string
  allowBroad?: boolean
}

export interface AgentMintAsk {
  app: string
  session: string
  edge?: string
  ttlSeconds?: number
}

export interface ResourceMintAsk {
  presented: MMandate
  resource: string
  scopes: string[]
  ttlSeconds?: number
}

/** What a mint may carry at most: its expiry and, under a delegation, its path (root first). */
export interface MintBound {
  exp: number
  path: MEdge[]
}

const sortedUnique = (xs: readonly string[]) => [...new Set(xs)].sort()
const within = (xs: readonly string[], bound: readonly string[]) => xs.every((x) => bound.includes(x))

export class Model {
  readonly sessions = new Map<string, MSession>()
  readonly edges = new Map<string, MEdge>()
  readonly records = new Map<string, MRecord>()
  /** anchor → epoch ms until which it stays revoked (the `revocations` table). */
  readonly revocations = new Map<string, number>()
  epoch = 0

  constructor(readonly catalogue: Catalogue) {}

  // ---- liveness ---------------------------------------------------------------------------

  ancestors(s: MSession): MSession[] {
    const out: MSession[] = []
    for (let up = s.parent; up !== null; ) {
      const a = this.sessions.get(up)!
      out.push(a)
      up = a.parent
    }
    return out
  }

  subtree(id: string): MSession[] {
    const out: MSession[] = []
    const walk = (sid: string) => {
      out.push(this.sessions.get(sid)!)
      for (const s of this.sessions.values()) if (s.parent === sid) walk(s.id)
    }
    walk(id)
    return out
  }

  selfLive(s: MSession, now: number): boolean {
    return s.status === 'active' && s.deadline > now
  }

  /** Why the session may not act for `app` now (the session rules), or undefined. */
  requireLive(s: MSession | undefined, app: string, now: number): string | undefined {
    if (!s) return 'session unknown'
    if (s.app !== app) return 'session of another application'
    if (s.status !== 'active') return `session ${s.status}`
    if (s.deadline <= now) return 'session expired'
    for (const a of this.ancestors(s)) {
      if (a.status === 'terminated') return 'ancestor terminated'
      if (a.status === 'suspended') return 'ancestor suspended'
    }
    return undefined
  }

  /**
   * What "every ancestor allows" adds to the session rules: no ancestor session has run out of
   * time (a child never outlives its parent), and every session that delegated the authority along
   * the path (the source of each path edge) is itself live and under no suspended or terminated
   * ancestor, as the source of the presented edge must be (contract §5.3 step 4).
   */
  strictReason(s: MSession, path: readonly MEdge[], now: number): string | undefined {
    const expired = this.ancestors(s).find((a) => a.deadline <= now)
    if (expired) return `strict: spawn ancestor ${expired.id} of the minting session has expired`
    for (const [i, e] of path.entries()) {
      const d = this.sessions.get(e.source)!
      const why = this.requireLive(d, d.app, now)
      if (why) return `strict: delegator ${d.id} (source of path edge ${i + 1}/${path.length}) is not live: ${why}`
      const gone = this.ancestors(d).find((a) => a.deadline <= now)
      if (gone) return `strict: delegator ${d.id} (source of path edge ${i + 1}/${path.length}) has an expired ancestor ${gone.id}`
    }
    return undefined
  }

  edgeLive(e: MEdge, now: number): boolean {
    return e.status === 'active' && e.expiresAt > now && e.accepted
  }

  /** Resources the implementation reads as an edge's bound when narrowing a child. */
  listedResources(e: MEdge): string[] {
    if (e.constraints.resources && e.constraints.resources.length > 0) return e.constraints.resources
    return e.resource ? [e.resource] : []
  }

  /** Resources the edge admits at a mint (contract §5.3 step 13); null: every resource (broad). */
  admitted(e: MEdge): string[] | null {
    const named = e.constraints.resources ?? []
    if (e.resource !== null) return named.length === 0 || named.includes(e.resource) ? [e.resource] : []
    return named.length > 0 ? named : null
  }

  maxHops(c: MConstraints): number {
    return c.max_hops ?? 1
  }

  /** The edge and its ancestors, root first. */
  pathOf(e: MEdge): MEdge[] {
    const reversed = [e]
    for (let p = e.parent; p !== null; ) {
      const parent = this.edges.get(p)!
      reversed.push(parent)
      p = parent.parent
    }
    return reversed.reverse()
  }

  revoked(anchor: string | undefined, now: number): boolean {
    return anchor !== undefined && (this.revocations.get(anchor) ?? -Infinity) > now
  }

  #revoke(anchor: string, until: number): void {
    this.revocations.set(anchor, Math.max(until, this.revocations.get(anchor) ?? 0))
  }

  // ---- sessions -----------------------------------------------------------------------------

  start(id: string, ask: StartAsk, now: number): MSession {
    const s: MSession = {
      id, app: ask.app, parent: null, depth: 0, labels: sortedUnique(ask.labels).length > 0 ? [...new Set(ask.labels)] : [ask.app],
      authority: 'full', scopes: null, resources: null, status: 'active', deadline: now + ask.ttlSeconds * 1000,
    }
    this.sessions.set(id, s)
    return s
  }

  predictSpawn(ask: SpawnAsk, now: number): Verdict<Omit<MSession, 'id'>> {
    const parent = this.sessions.get(ask.parent)
    const why = this.requireLive(parent, ask.app, now)
    if (why) return no(`parent: ${why}`)
    const p = parent!
    if (p.depth + 1 > MAX_SESSION_DEPTH) return no('too deep')
    if ([...this.sessions.values()].filter((s) => s.parent === p.id && s.status !== 'terminated').length >= MAX_CHILDREN) return no('too many children')
    let authority: Authority
    let scopes: string[] | null = null
    let resources: string[] | null = null
    if (ask.authority.mode === 'none') authority = 'none'
    else if (ask.authority.mode === 'inherit') ({ authority, scopes, resources } = { authority: p.authority, scopes: p.scopes, resources: p.resources })
    else {
      if (p.authority === 'none') return no('narrow under a session without authority')
      scopes = sortedUnique(ask.authority.scopes)
      resources = sortedUnique(ask.authority.resources)
      if (scopes.length === 0 || resources.length === 0) return no('narrow names no scope or resource')
      if (resources.some((r) => !this.catalogue.resources[r])) return no('narrow names an unknown resource')
      const declared = resources.flatMap((r) => this.catalogue.resources[r]!)
      if (!within(scopes, declared)) return no('narrow scope not declared by its resources')
      if (p.authority === 'narrow' && (!within(scopes, p.scopes!) || !within(resources, p.resources!))) return no('narrow beyond the parent')
      authority = 'narrow'
    }
    const left = Math.floor((p.deadline - now) / 1000)
    if (left < 1) return no('the parent session ends in less than a second')
    const ttl = Math.min(ask.ttlSeconds ?? DEFAULT_TASK_TTL_SECONDS, left)
    return yes({
      app: ask.app, parent: p.id, depth: p.depth + 1, labels: ask.labels ? [...new Set(ask.labels)] : p.labels, authority, scopes, resources,
      status: 'active', deadline: now + ttl * 1000,
    })
  }

  suspend(id: string, now: number): Verdict<string[]> {
    const s = this.sessions.get(id)
    if (!s || s.status !== 'active') return no(`session ${s?.status ?? 'unknown'}`)
    s.status = 'suspended'
    return yes(this.#revokeRecords(this.subtree(id).map((x) => x.id), now))
  }

  resume(id: string): Verdict<null> {
    const s = this.sessions.get(id)
    if (!s || s.status !== 'suspended') return no(`session ${s?.status ?? 'unknown'}`)
    s.status = 'active'
    return yes(null)
  }

  /** The termination cascade of contract §4.3: subtrees, touching live edges, records. */
  terminate(roots: readonly string[], now: number): { sessions: string[]; edges: string[]; records: string[] } {
    const ended: MSession[] = []
    for (const root of roots) {
      for (const s of this.subtree(root)) {
        if (s.status === 'terminated') continue
        s.status = 'terminated'
        ended.push(s)
      }
    }
    for (const s of ended) this.#revoke(s.id, now + REVOCATION_TTL_MS)
    const edges: string[] = []
    for (const s of ended) {
      for (const e of this.edges.values()) {
        if ((e.source === s.id || e.target === s.id) && e.status === 'active' && e.expiresAt > now) {
          e.status = 'revoked'
          this.#revoke(e.id, now + REVOCATION_TTL_MS)
          edges.push(e.id)
        }
      }
    }
    const records = this.#revokeRecords(ended.map((s) => s.id), now)
    if (edges.length > 0) this.epoch++
    return { sessions: ended.map((s) => s.id), edges, records }
  }

  #revokeRecords(sessionIds: readonly string[], now: number): string[] {
    const ids = new Set(sessionIds)
    const out: string[] = []
    for (const r of this.records.values()) {
      if (ids.has(r.session) && !r.revoked && r.expiresAt > now) {
        r.revoked = true
        this.#revoke(r.id, r.expiresAt)
        out.push(r.id)
      }
    }
    return out
  }

  // ---- delegation ---------------------------------------------------------------------------

  predictDelegate(ask: DelegateAsk, now: number): Verdict<Omit<MEdge, 'id'>> {
    const scopes = sortedUnique(ask.scopes)
    if (scopes.length === 0) return no('no scopes')
    const { max_depth, ...rest } = ask.constraints
    const c: MConstraints = { ...rest }
    if (max_depth !== undefined && c.max_hops !== undefined && max_depth !== c.max_hops) return no('max_depth disagrees with max_hops')
    if (max_depth !== undefined && c.max_hops === undefined) c.max_hops = max_depth
    if (c.resources) c.resources = sortedUnique(c.resources)
    if (ask.ttlSeconds !== undefined) c.ttl_seconds = Math.min(ask.ttlSeconds, c.ttl_seconds ?? ask.ttlSeconds)
    const explicit = ask.expiresAt ?? c.expires_at
    if (explicit === undefined && c.ttl_seconds === undefined) return no('no expiry')
    const expiresAt = Math.min(explicit !== undefined ? Date.parse(explicit) : Infinity, c.ttl_seconds !== undefined ? now + c.ttl_seconds * 1000 : Infinity)
    if (ask.source === ask.target) return no('self delegation')
    const named = c.resources ?? []
    if (ask.resource === undefined && named.length === 0 && !ask.allowBroad) return no('broad without operator')
    const source = this.sessions.get(ask.source)
    const target = this.sessions.get(ask.target)
    if (!source || !this.selfLive(source, now) || !target || !this.selfLive(target, now)) return no('an endpoint is not live')
    if (source.app !== ask.caller) return no('caller does not own the source')
    if (ask.resource !== undefined && !this.catalogue.resources[ask.resource]) return no('resource unknown')
    if (ask.resource !== undefined && named.length > 0 && !named.includes(ask.resource)) return no('resource not among constraints.resources')
    if (named.some((r) => !this.catalogue.resources[r])) return no('a named resource is unknown')
    const identifiers = named.length > 0 ? named : ask.resource !== undefined ? [ask.resource] : []
    if (identifiers.length > 0 && !within(scopes, identifiers.flatMap((r) => this.catalogue.resources[r]!))) return no('scopes exceed the resources')
    if (source.authority === 'none') return no('source has no authority')
    if (source.authority === 'narrow' && (!within(scopes, source.scopes!) || identifiers.length === 0 || !within(identifiers, source.resources!))) return no('beyond the source authority')
    const inbound = [...this.edges.values()].filter((e) => e.target === source.id && this.edgeLive(e, now))
    let parent: MEdge | undefined
    if (ask.parentEdgeId !== undefined) {
      parent = inbound.find((e) => e.id === ask.parentEdgeId)
      if (!parent) return no('named parent is not a live edge into the source')
    } else if (inbound.length > 1) return no('parent ambiguous')
    else parent = inbound[0]
    const edge: Omit<MEdge, 'id'> = {
      source: source.id, target: target.id, issuer: source.app, receiver: target.app, parent: parent?.id ?? null, resource: ask.resource ?? null,
      scopes, constraints: c, expiresAt, depth: (parent?.depth ?? 0) + 1, accepted: source.app === target.app, status: 'active',
    }
    if (parent) {
      if (!within(scopes, parent.scopes)) return no('scopes beyond the parent')
      if (expiresAt > parent.expiresAt) return no('outlives the parent')
      const listed = this.listedResources(parent)
      if (listed.length > 0 && (identifiers.length === 0 || !within(identifiers, listed))) return no('resources beyond the parent')
      const bound = this.admitted(parent)
      const mine = this.admitted({ ...edge, id: '' })
      if (bound !== null && (mine === null || !within(mine, bound))) return no(`bound: the edge would admit [${mine ?? 'every resource'}] under a parent that admits only [${bound}]`)
      if (this.maxHops(parent.constraints) <= 1) return no('parent allows no further hop')
      if (this.maxHops(c) > this.maxHops(parent.constraints) - 1) return no('max_hops not below the parent')
      if (parent.constraints.ttl_seconds !== undefined && (c.ttl_seconds === undefined || c.ttl_seconds > parent.constraints.ttl_seconds)) return no('ttl_seconds above the parent')
    }
    if (this.#reaches(target.id, source.id, now)) return no('cycle')
    if (expiresAt <= now) return no('already expired')
    if (edge.depth > MAX_DELEGATION_DEPTH) return no('too deep')
    return yes(edge)
  }

  #reaches(from: string, to: string, now: number): boolean {
    let frontier = [from]
    const seen = new Set(frontier)
    for (let step = 0; step < MAX_DELEGATION_DEPTH && frontier.length > 0; step++) {
      const next: string[] = []
      for (const s of frontier) {
        for (const e of this.#outbound(s, now)) {
          if (e.target === to) return true
          if (!seen.has(e.target)) {
            seen.add(e.target)
            next.push(e.target)
          }
        }
      }
      frontier = next
    }
    return false
  }

  /** Active, unexpired edges out of a session, accepted or not. */
  #outbound(session: string, now: number): MEdge[] {
    return [...this.edges.values()].filter((e) => e.source === session && e.status === 'active' && e.expiresAt > now)
  }

  accept(id: string, caller: string, now: number): Verdict<null> {
    const e = this.edges.get(id)
    if (!e) return no('edge unknown')
    if (e.receiver !== caller) return no('only the receiver accepts')
    if (e.status !== 'active' || e.accepted || e.expiresAt <= now) return no('edge not pending')
    e.accepted = true
    return yes(null)
  }

  /** Revocation with the cascade of contract §4.3 (through accepted edges only). */
  revokeEdge(id: string, caller: string | undefined, now: number): Verdict<{ edges: string[]; ended: { sessions: string[]; edges: string[]; records: string[] } }> {
    const edge = this.edges.get(id)
    if (!edge) return no('edge unknown')
    if (caller !== undefined && caller !== edge.issuer && caller !== edge.receiver) return no('caller is neither party')
    if (edge.status !== 'active') return no('edge not active')
    const revoked: string[] = []
    const targets: string[] = []
    let frontier = [edge]
    for (let level = 0; frontier.length > 0 && level < MAX_DELEGATION_DEPTH; level++) {
      const next: MEdge[] = []
      for (const e of frontier) {
        if (e.status !== 'active') continue
        e.status = 'revoked'
        revoked.push(e.id)
        this.#revoke(e.id, now + REVOCATION_TTL_MS)
        // An edge its receiver never accepted gave the receiver nothing: revoking it ends no session.
        if (!e.accepted) continue
        targets.push(e.target)
        next.push(...this.#outbound(e.target, now))
      }
      frontier = next
    }
    const ended = this.terminate([...new Set(targets)], now)
    this.epoch++
    return yes({ edges: [...new Set([...revoked, ...ended.edges])], ended })
  }

  // ---- mints --------------------------------------------------------------------------------

  /** Contract §5.3 for the presented edge, plus the strict and bound checks along its path. */
  #delegated(edgeId: string, s: MSession, app: string, scopes: readonly string[], ttl: number | undefined, now: number): Verdict<{ path: MEdge[]; ttlBound: number }> {
    const e = this.edges.get(edgeId)
    if (!e) return no('edge unknown')
    if (!this.edgeLive(e, now)) return no(e.accepted ? 'edge not live' : 'edge not accepted')
    if (e.target !== s.id) return no('edge is for another session')
    if (!this.selfLive(this.sessions.get(e.source)!, now)) return no('delegating session not live')
    if (!this.selfLive(this.sessions.get(e.target)!, now)) return no('receiving session not live')
    if (s.app !== app) return no('receiver of another application')
    if (!within(scopes, e.scopes)) return no('scope outside the edge')
    if (ttl !== undefined && e.constraints.ttl_seconds !== undefined && ttl > e.constraints.ttl_seconds) return no('ttl above the edge constraint')
    const path = this.pathOf(e)
    if (path.length > MAX_DELEGATION_DEPTH) return no('path too long')
    if (path.some((p) => !this.edgeLive(p, now))) return no('an edge on the path is not live')
    if (path.some((p, i) => path.length - i > this.maxHops(p.constraints))) return no('path exceeds a hop budget')
    const bounds = [Math.floor((e.expiresAt - now) / 1000)]
    if (e.constraints.ttl_seconds !== undefined) bounds.push(e.constraints.ttl_seconds)
    if (e.constraints.expires_at !== undefined) bounds.push(Math.floor((Date.parse(e.constraints.expires_at) - now) / 1000))
    // Authority passed on never outlives whoever passed it: each delegating (task) session's end.
    for (const p of path) bounds.push(Math.floor((this.sessions.get(p.source)!.deadline - now) / 1000))
    const ttlBound = Math.min(...bounds)
    if (ttlBound <= 0) return no('edge TTL exhausted')
    const outside = path.find((p) => !within(scopes, p.scopes))
    if (outside) return no(`bound: scope outside path edge ${outside.id}`)
    const strict = this.strictReason(s, path, now)
    if (strict) return no(strict)
    return yes({ path, ttlBound })
  }

  predictAgentMint(ask: AgentMintAsk, now: number): Verdict<MintBound> {
    const s = this.sessions.get(ask.session)
    const why = this.requireLive(s, ask.app, now)
    if (why) return no(why)
    let path: MEdge[] = []
    let edgeBound = Infinity
    if (ask.edge !== undefined) {
      const v = this.#delegated(ask.edge, s!, ask.app, [], ask.ttlSeconds, now)
      if (!v.ok) return v
      path = v.value.path
      edgeBound = v.value.ttlBound
    } else {
      const strict = this.strictReason(s!, [], now)
      if (strict) return no(strict)
    }
    if (ask.ttlSeconds !== undefined && ask.ttlSeconds > AGENT_TTL_CAP_SECONDS) return no('ttl above the 60 min cap')
    const ttl = Math.min(ask.ttlSeconds ?? DEFAULT_MINT_TTL_SECONDS, Math.floor((s!.deadline - now) / 1000), edgeBound)
    if (ttl <= 0) return no('authority ends too soon')
    return yes({ exp: Math.floor(now / 1000) + ttl, path })
  }

  predictResourceMint(ask: ResourceMintAsk, now: number): Verdict<MintBound> {
    const p = ask.presented
    if (p.exp * 1000 <= now) return no('presented mandate expired')
    const record = this.records.get(p.sid)!
    if (record.revoked || record.expiresAt <= now) return no('presented authority record ended')
    const anchor = [p.sid, p.root, p.session, p.edge].find((a) => this.revoked(a, now))
    if (anchor) return no(`anchor ${anchor} revoked`)
    const s = this.sessions.get(p.session)
    const why = this.requireLive(s, p.app, now)
    if (why) return no(why)
    let path: MEdge[] = []
    let edgeBound = Infinity
    if (p.edge !== undefined) {
      const v = this.#delegated(p.edge, s!, p.app, ask.scopes, ask.ttlSeconds, now)
      if (!v.ok) return v
      path = v.value.path
      edgeBound = v.value.ttlBound
    } else {
      const strict = this.strictReason(s!, [], now)
      if (strict) return no(strict)
    }
    if (ask.ttlSeconds !== undefined && ask.ttlSeconds > RESOURCE_TTL_CAP_SECONDS) return no('ttl above the 15 min cap')
    const ttl = Math.min(ask.ttlSeconds ?? DEFAULT_MINT_TTL_SECONDS, Math.floor((s!.deadline - now) / 1000), p.exp - Math.floor(now / 1000), edgeBound)
    if (ttl <= 0) return no('authority ends too soon')
    const declared = this.catalogue.resources[ask.resource]
    if (!declared) return no('resource unknown')
    if (!within(ask.scopes, declared)) return no('scope not declared by the resource')
    const last = path.at(-1)
    if (last && !(this.admitted(last) ?? [ask.resource]).includes(ask.resource)) return no('resource outside the delegation')
    const outside = path.find((e) => !(this.admitted(e) ?? [ask.resource]).includes(ask.resource))
    if (outside) return no(`bound: resource ${ask.resource} outside path edge ${outside.id}, which admits only [${this.admitted(outside)}]`)
    if (s!.authority === 'none') return no('session has no authority')
    if (s!.authority === 'narrow' && (!s!.resources!.includes(ask.resource) || !within(ask.scopes, s!.scopes!))) return no('outside the session authority')
    // Policy (contract §6.4): a scope is asked for, the acting app holds a grant, one role covers all.
    if (ask.scopes.length === 0) return no('policy: no scope asked')
    const grant = this.catalogue.grants[ask.resource]
    if (!grant || !grant.applications.includes(p.app)) return no('policy: resource not granted')
    if (!s!.labels.some((l) => within(ask.scopes, grant.roles[l] ?? []))) return no('policy: no role covers the scopes')
    return yes({ exp: Math.floor(now / 1000) + ttl, path })
  }

  /** What authenticateMandate should answer for an issued mandate now (after the feed caught up). */
  expectedAuth(m: MMandate, now: number): 'ok' | 'invalid_token' | 'session_revoked' | 'delegation_stale' {
    if (m.exp * 1000 <= now) return 'invalid_token'
    if ([m.sid, m.root, m.session, m.edge].some((a) => this.revoked(a, now))) return 'session_revoked'
    if (m.epoch !== undefined && this.epoch > m.epoch) return 'delegation_stale'
    return 'ok'
  }

  /** Whether an anchor the mandate stands on has been revoked or terminated (the wording). */
  anchorDead(m: MMandate): string | undefined {
    const s = this.sessions.get(m.session)!
    if (s.status === 'terminated') return `session ${s.id} terminated`
    const a = this.ancestors(s).find((x) => x.status === 'terminated')
    if (a) return `ancestor ${a.id} terminated`
    for (const id of new Set([m.sid, m.root])) if (this.records.get(id)?.revoked) return `authority record ${id} revoked`
    const e = m.path.find((id) => this.edges.get(id)!.status === 'revoked')
    if (e) return `path edge ${e} revoked`
    return undefined
  }
}
