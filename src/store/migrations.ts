// Versioned schema migrations, applied in order at start in one transaction together with their
// version rows, so a database is always at exactly one known version.
import type Database from 'better-sqlite3'
import { StoreSchemaError } from './errors.js'

/** Never edit a released migration; append a new one. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'zones, applications, resources, signing keys, audit',
    sql: `
      CREATE TABLE zones (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE applications (
        id TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL REFERENCES zones(id),
        name TEXT NOT NULL,
        registration_method TEXT NOT NULL CHECK (registration_method IN ('managed', 'dcr')),
        secret_hash TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX applications_zone ON applications(zone_id);
      CREATE TABLE resources (
        id TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL REFERENCES zones(id),
        identifier TEXT NOT NULL,
        scopes_json TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (zone_id, identifier)
      );
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL REFERENCES zones(id),
        public_jwk_json TEXT NOT NULL,
        private_key_sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX signing_keys_zone ON signing_keys(zone_id, created_at);
      CREATE TABLE audit_events (
        zone_id TEXT NOT NULL,
        chain_seq INTEGER NOT NULL,
        id TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        request_id TEXT NOT NULL,
        decision TEXT NOT NULL,
        policy_set_id TEXT NOT NULL,
        policy_set_version_id TEXT NOT NULL,
        manifest_sha TEXT NOT NULL,
        evaluation_status TEXT NOT NULL,
        determining_policies_json TEXT NOT NULL,
        diagnostics_json TEXT NOT NULL,
        metadata_json TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        prev_content_sha256 TEXT NOT NULL,
        chain_hmac TEXT NOT NULL,
        PRIMARY KEY (zone_id, chain_seq)
      );
      CREATE INDEX audit_events_request ON audit_events(request_id);
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'authority records and issued jtis',
    sql: `
      CREATE TABLE authority_records (
        id TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL REFERENCES zones(id),
        application_id TEXT NOT NULL REFERENCES applications(id),
        subject TEXT NOT NULL,
        sub_type TEXT NOT NULL CHECK (sub_type IN ('user', 'application')),
        parent_id TEXT REFERENCES authority_records(id),
        root_id TEXT NOT NULL,
        use TEXT NOT NULL CHECK (use IN ('session', 'gateway', 'resource')),
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX authority_records_root ON authority_records(root_id);
      CREATE TABLE issued_jtis (
        jti TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX issued_jtis_expiry ON issued_jtis(expires_at);
    `,
  },
  {
    version: 3,
    name: 'agent sessions, revocations, approvals',
    sql: `
      CREATE TABLE agent_sessions (
        id TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL REFERENCES zones(id),
        application_id TEXT NOT NULL REFERENCES applications(id),
        parent_session_id TEXT REFERENCES agent_sessions(id),
        subject_record_id TEXT REFERENCES authority_records(id),
        depth INTEGER NOT NULL DEFAULT 0,
        lifecycle TEXT NOT NULL CHECK (lifecycle IN ('task', 'service')),
        labels_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
        started_at INTEGER NOT NULL,
        ttl_seconds INTEGER,
        heartbeat_seconds INTEGER,
        heartbeat_deadline INTEGER,
        terminated_at INTEGER,
        termination_reason TEXT,
        CHECK ((lifecycle = 'task' AND ttl_seconds > 0 AND heartbeat_seconds IS NULL AND heartbeat_deadline IS NULL)
            OR (lifecycle = 'service' AND ttl_seconds IS NULL AND heartbeat_seconds > 0 AND heartbeat_deadline IS NOT NULL))
      );
      CREATE INDEX agent_sessions_zone ON agent_sessions(zone_id, status, started_at);
      CREATE INDEX agent_sessions_parent ON agent_sessions(parent_session_id);
      CREATE TABLE revocations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        anchor TEXT NOT NULL UNIQUE,
        zone_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('authority_record', 'agent_session', 'delegation_edge')),
        reason TEXT NOT NULL,
        revoked_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE approvals (
        id TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL REFERENCES zones(id),
        application_id TEXT NOT NULL REFERENCES applications(id),
        subject TEXT NOT NULL,
        authority_record_id TEXT,
        agent_session_id TEXT,
        delegation_edge_id TEXT,
        binding TEXT NOT NULL,
        tier TEXT NOT NULL,
        approver_class TEXT NOT NULL CHECK (approver_class IN ('operator', 'subject', 'any')),
        privacy_mode TEXT NOT NULL CHECK (privacy_mode IN ('identified', 'pseudonymous', 'anonymous')),
        resources_json TEXT NOT NULL,
        scopes_json TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'consumed')),
        request_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        decided_at INTEGER,
        decided_by TEXT,
        decision_reason TEXT,
        consumed_at INTEGER,
        consumed_record_id TEXT
      );
      CREATE UNIQUE INDEX approvals_live_binding ON approvals(zone_id, binding) WHERE state IN ('pending', 'approved');
      CREATE INDEX approvals_zone ON approvals(zone_id, state, created_at);
    `,
  },
  {
    version: 4,
    name: 'delegation edges, graph epochs, session authority, idempotency keys',
    sql: `
      ALTER TABLE zones ADD COLUMN delegation_epoch INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE agent_sessions ADD COLUMN authority TEXT NOT NULL DEFAULT 'full' CHECK (authority IN ('full', 'narrow', 'none'));
      ALTER TABLE agent_sessions ADD COLUMN authority_scopes_json TEXT;
      ALTER TABLE agent_sessions ADD COLUMN authority_resources_json TEXT;
      ALTER TABLE authority_records ADD COLUMN agent_session_id TEXT;
      CREATE INDEX authority_records_session ON authority_records(agent_session_id) WHERE agent_session_id IS NOT NULL;
      CREATE TABLE delegation_edges (
        id TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL REFERENCES zones(id),
        source_session_id TEXT NOT NULL REFERENCES agent_sessions(id),
        target_session_id TEXT NOT NULL REFERENCES agent_sessions(id),
        issuer_application_id TEXT NOT NULL REFERENCES applications(id),
        receiver_application_id TEXT NOT NULL REFERENCES applications(id),
        parent_edge_id TEXT REFERENCES delegation_edges(id),
        resource_id TEXT REFERENCES resources(id),
        scopes_json TEXT NOT NULL,
        constraints_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'expired', 'revoked')),
        expires_at INTEGER NOT NULL,
        edge_version INTEGER NOT NULL DEFAULT 1,
        depth INTEGER NOT NULL CHECK (depth BETWEEN 1 AND 10),
        accepted_at INTEGER,
        revoked_at INTEGER,
        revocation_reason TEXT,
        created_at INTEGER NOT NULL,
        CHECK (source_session_id != target_session_id)
      );
      CREATE INDEX delegation_edges_source ON delegation_edges(source_session_id, status);
      CREATE INDEX delegation_edges_target ON delegation_edges(target_session_id, status);
      CREATE INDEX delegation_edges_parent ON delegation_edges(parent_edge_id);
      CREATE TABLE idempotency_keys (
        zone_id TEXT NOT NULL,
        caller TEXT NOT NULL,
        key TEXT NOT NULL,
        operation TEXT NOT NULL,
        request_sha256 TEXT NOT NULL,
        response_status INTEGER NOT NULL,
        response_json TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (zone_id, caller, key)
      );
    `,
  },
  {
    version: 5,
    name: 'presented single-use jtis, who suspended a session, the kind of a hold\'s subject',
    sql: `
      CREATE TABLE presented_jtis (
        jti TEXT PRIMARY KEY,
        zone_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX presented_jtis_expiry ON presented_jtis(expires_at);
      ALTER TABLE agent_sessions ADD COLUMN suspended_by TEXT;
      ALTER TABLE approvals ADD COLUMN subject_type TEXT NOT NULL DEFAULT 'application' CHECK (subject_type IN ('user', 'application'));
    `,
  },
  {
    version: 6,
    name: 'audit events of one request in one zone',
    // The admin API reads one zone's rows of a request; audit_events_request alone found the
    // request's rows in every zone first. It is replaced rather than joined by a second index:
    // every audit row is written on the hot path, and each index is paid for per row. The request
    // id first still serves a request's rows in every zone (audit explain); chain_seq last, so
    // one zone's come out newest first unsorted.
    sql: `
      DROP INDEX audit_events_request;
      CREATE INDEX audit_events_request_zone ON audit_events(request_id, zone_id, chain_seq);
    `,
  },
  {
    version: 7,
    name: 'audit events without an index on their id',
    // Every tool call commits its audit row, and a commit writes each page it dirtied to the WAL:
    // the rowid table, the (zone_id, chain_seq) key, the UNIQUE id and the request index were four
    // B-trees. Nothing looks a row up by id (ids are uuid7s made here, and the chain's hashes cover
    // them): without that index a row dirties one page fewer, about a quarter of a commit's cost
    // on a large table. (WITHOUT ROWID, keyed by the chain position, measured no better: rows this
    // wide fill its interior pages.) A column constraint's index cannot be dropped: the table is
    // rebuilt by copying, once, in the migration's transaction.
    sql: `
      CREATE TABLE audit_events_chained (
        zone_id TEXT NOT NULL,
        chain_seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        request_id TEXT NOT NULL,
        decision TEXT NOT NULL,
        policy_set_id TEXT NOT NULL,
        policy_set_version_id TEXT NOT NULL,
        manifest_sha TEXT NOT NULL,
        evaluation_status TEXT NOT NULL,
        determining_policies_json TEXT NOT NULL,
        diagnostics_json TEXT NOT NULL,
        metadata_json TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        prev_content_sha256 TEXT NOT NULL,
        chain_hmac TEXT NOT NULL,
        PRIMARY KEY (zone_id, chain_seq)
      );
      INSERT INTO audit_events_chained
        SELECT zone_id, chain_seq, id, event_type, request_id, decision, policy_set_id, policy_set_version_id, manifest_sha,
          evaluation_status, determining_policies_json, diagnostics_json, metadata_json, occurred_at, content_sha256,
          prev_content_sha256, chain_hmac
        FROM audit_events;
      DROP TABLE audit_events;
      ALTER TABLE audit_events_chained RENAME TO audit_events;
      CREATE INDEX audit_events_request_zone ON audit_events(request_id, zone_id, chain_seq);
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    `,
  },
]

export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
  // One IMMEDIATE transaction around reading the applied versions and applying the rest: two
  // processes opening a new database at once serialise here instead of both creating tables.
  db.transaction(() => {
    const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version))
    const newest = Math.max(0, ...applied)
    const known = Math.max(...MIGRATIONS.map((m) => m.version))
    if (newest > known) throw new StoreSchemaError(`database schema version ${newest} is newer than this caracal-mcp knows (${known}); upgrade caracal-mcp`)
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue
      db.exec(m.sql)
      record.run(m.version, m.name, Date.now())
    }
  }).immediate()
}
