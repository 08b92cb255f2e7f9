/**
 * The shape of Unyo's database as Kysely sees it. Migrations create these tables; this
 * file describes the latest schema only (migrations never import it, so old migrations
 * stay frozen while this file moves on).
 *
 * Conventions, identical on SQLite and PostgreSQL so one code path reads both:
 * - times are integer milliseconds since the epoch (`bigint` in PostgreSQL, read back as
 *   a JS number by the pool's int8 parser);
 * - booleans are integers 0/1;
 * - JSON is stored as text and parsed by the owning domain.
 * Enumerations are plain text without CHECK constraints: adding a state later must not
 * need a table rebuild on SQLite.
 */
import type { Generated } from "kysely";
import type { CheckState as CheckStateName } from "../core/events.ts";

/** Milliseconds since the epoch. */
export type EpochMs = number;

/** A 0/1 integer standing for a boolean. */
export type IntBool = 0 | 1;

/** A key/value row describing this Unyo database itself (`instance_id`, `created_at`). */
export interface UnyoMetaTable {
  key: string;
  value: string;
}

export type ConfigOutcome = "applied" | "rejected";

/** One attempt to load the configuration, kept so a bad reload can be explained later. */
export interface ConfigRevisionsTable {
  id: Generated<number>;
  /** Short sha256 of the configuration text. */
  revision: string;
  /** The file the configuration was read from. */
  source: string;
  loaded_at: EpochMs;
  outcome: ConfigOutcome;
  /** JSON array of problems when rejected; null when applied. */
  errors: string | null;
}

/** The current state of each check: one row per check, updated after every run. */
export interface CheckStateTable {
  check_id: string;
  /** pending, up, down, degraded, paused or maintenance. */
  state: CheckStateName;
  /** When the check entered its current state. */
  since: EpochMs;
  last_run_at: EpochMs | null;
  last_duration_ms: number | null;
  last_message: string | null;
  /** Defaults to 0 on insert. */
  consecutive_failures: Generated<number>;
  /** The persisted next-due time the scheduler resumes from after a restart. */
  next_due_at: EpochMs | null;
  /** Successes in a row while recovering (success_threshold). */
  consecutive_successes: Generated<number>;
  /** Who paused the check at run time (`unyo checks pause`), or null. */
  paused_by: string | null;
  paused_at: EpochMs | null;
  updated_at: EpochMs;
}

/** Raw result of each check run. (Retention and rollups come with the checks capability.) */
/** Raw results of one check in one hour, packed (src/checks/history/sample-codec.ts). */
export interface CheckSamplesTable {
  /** Start of the hour, epoch ms. */
  hour: EpochMs;
  check_id: string;
  count: number;
  failures: number;
  data: Uint8Array;
}

/** Hourly ("h") and daily ("d") aggregates of a check's results. */
export interface CheckRollupsTable {
  resolution: "h" | "d";
  bucket: EpochMs;
  check_id: string;
  count: number;
  failures: number;
  degraded: number;
  sum_ms: number;
  max_ms: number;
  /** Latency histogram, mergeable (src/checks/history/histogram.ts). */
  histogram: Uint8Array;
}

/** The message of each failed result (successes have none). */
export interface CheckFailuresTable {
  id: Generated<number>;
  check_id: string;
  at: EpochMs;
  kind: string;
  message: string;
}

/** Every state transition of a check. */
export interface CheckEventsTable {
  id: Generated<number>;
  check_id: string;
  at: EpochMs;
  from_state: string;
  to_state: string;
  message: string | null;
}

export type AuditOutcome = "success" | "failure" | "denied";

/**
 * One audit event, hash-chained to the previous row (see src/audit/audit-log.ts and
 * docs/audit.md). Append-only: only the audit log's retention ever deletes rows.
 */
export interface AuditLogTable {
  /** Assigned by the audit log as previous id + 1; part of the hash. */
  id: Generated<number>;
  at: EpochMs;
  /** A user name, `system`, or `token:<name>`. */
  actor: string;
  /** Dotted, e.g. `auth.login`, `config.reload`, `user.role_change`. */
  action: string;
  target: string | null;
  source_ip: string | null;
  outcome: AuditOutcome;
  /** JSON text; never holds secrets (passwords, token values, keys). */
  details: string | null;
  /** The previous row's hash; 64 zeros for the first row ever written. */
  prev_hash: string;
  /** Hex SHA-256 over the canonical encoding of this row (including prev_hash). */
  hash: string;
}

export type RoleName = "viewer" | "operator" | "admin";

/** A person who can log in. Username stored lower-cased (unique). */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  display_name: string | null;
  role: RoleName;
  /** scrypt string from src/auth/password-hash.ts; never leaves the auth layer. */
  password_hash: string;
  password_changed_at: EpochMs;
  /** Defaults to 0 on insert. */
  disabled: Generated<IntBool>;
  created_at: EpochMs;
  last_login_at: EpochMs | null;
  /** Defaults to 0 on insert. */
  mfa_enabled: Generated<IntBool>;
  totp_secret: string | null;
  /** The last TOTP time step accepted, so a code cannot be replayed. */
  totp_last_step: number | null;
  /** JSON array of hex sha256 hashes of unused recovery codes. */
  recovery_codes: string | null;
}

/** An API token (`Authorization: Bearer`); only its sha256 is stored. */
export interface ApiTokensTable {
  id: Generated<number>;
  /** Unique among tokens that are not revoked. */
  name: string;
  /** The owning user, or null for a service token. */
  user_id: number | null;
  role: RoleName;
  /** Hex sha256 of the token (unique). */
  token_hash: string;
  /** The start of the token (`unyo_` + 8 characters), shown in lists to recognise it. */
  prefix: string;
  created_at: EpochMs;
  expires_at: EpochMs | null;
  last_used_at: EpochMs | null;
  revoked_at: EpochMs | null;
}

/**
 * A browser session (see src/auth/sessions.ts). Only hashes of the session secret and the
 * CSRF token are stored.
 */
export interface SessionsTable {
  /** Hex sha256 of the session secret. */
  id: string;
  user_id: number;
  /** Hex sha256 of the session's CSRF token. */
  csrf_hash: string;
  created_at: EpochMs;
  /** Written at most once a minute. */
  last_seen_at: EpochMs;
  /** Absolute expiry: never moves. */
  expires_at: EpochMs;
  /** Idle expiry: slides forward with use, never past expires_at. */
  idle_expires_at: EpochMs;
  revoked_at: EpochMs | null;
  source_ip: string | null;
  /** Truncated to 256 characters. */
  user_agent: string | null;
}

/** A ping key Unyo generated for a heartbeat check (configured keys are not stored). */
export interface HeartbeatKeysTable {
  check_id: string;
  /** Unique; kept as is so it can be shown again. */
  key: string;
  created_at: EpochMs;
}

/** What a ping reported: success, start of a run, failure, or an exit code. */
export type HeartbeatPingKind = "success" | "start" | "fail" | "exit";

/** Every ping a heartbeat check received (the newest 1000 per check are kept). */
export interface HeartbeatPingsTable {
  id: Generated<number>;
  check_id: string;
  at: EpochMs;
  kind: HeartbeatPingKind;
  /** For kind "exit": 0 counts as success, anything else as failure. */
  exit_code: number | null;
  /** The `rid` query parameter, pairing a start with its finish. */
  run_id: string | null;
  /** From the matching start to this finish, when known. */
  duration_ms: number | null;
  source_ip: string | null;
  /** The request body (e.g. the job's output), truncated to the check's max_body. */
  body: string | null;
}

/** A metric series (src/metrics/store/): its name and labels, with an id given by the store. */
export interface MetricSeriesTable {
  id: number;
  name: string;
  /** JSON object of the labels without `__name__`, sorted by label name. */
  labels: string;
  created_at: EpochMs;
  /** The start of the hour of the newest sample, as of the last flush. */
  last_seen: EpochMs;
}

/** Raw samples of one series within one clock hour, packed (src/metrics/store/chunk-codec.ts). */
export interface MetricChunksTable {
  /** Start of the hour holding every sample of the chunk. */
  hour: EpochMs;
  series_id: number;
  /** The chunk's first sample time. */
  start_ms: EpochMs;
  count: number;
  data: Uint8Array;
}

/**
 * Rollups packed per row (src/metrics/store/rollup-codec.ts): resolution "1m" holds the
 * minute buckets of the hour `start`, "1h" the hour buckets of the day `start`.
 */
export interface MetricRollupsTable {
  resolution: "1m" | "1h";
  start: EpochMs;
  series_id: number;
  data: Uint8Array;
}

/** One alert of a rule that is pending or firing (inactive alerts have no row). */
export interface RuleAlertsTable {
  rule_id: string;
  /** Short hash of the rule id and the series labels. */
  fingerprint: string;
  /** JSON object: the series labels without the metric name. */
  labels: string;
  /** pending or firing. */
  state: string;
  /** warning or critical. */
  level: string | null;
  /** JSON object: level → epoch ms since when its condition has held. */
  holding_since: string;
  fired_at: EpochMs | null;
  /** While keep_firing_for runs: when the value recovered. */
  recovered_at: EpochMs | null;
  /** The last value; NULL for NaN. */
  value: number | null;
  no_data: IntBool;
  updated_at: EpochMs;
}

/** The last evaluation of each rule. */
export interface RuleStatusTable {
  rule_id: string;
  last_eval_at: EpochMs;
  duration_ms: number;
  /** ok or error. */
  health: string;
  last_error: string | null;
  /** Label sets the expression returned. */
  series: number;
}

/** Every change of state or level of a rule's alert. */
export interface AlertEventsTable {
  id: Generated<number>;
  rule_id: string;
  fingerprint: string;
  at: EpochMs;
  from_state: string;
  from_level: string | null;
  to_state: string;
  to_level: string | null;
  value: number | null;
  labels: string;
}

/** pending (waiting for its next try), sending (claimed, under lease), sent, failed. */
export type OutboxState = "pending" | "sending" | "sent" | "failed";

/** One notification for one channel, persisted before delivery (src/notify/outbox.ts). */
export interface NotificationOutboxTable {
  id: Generated<number>;
  /** Unique: enqueueing the same key again is a no-op. Sent to the receiver too. */
  idempotency_key: string;
  /** The channel id from the config. */
  channel: string;
  /** JSON of the message (src/notify/render.ts NotificationMessage). */
  payload: string;
  state: OutboxState;
  /** Delivery attempts started so far. Defaults to 0 on insert. */
  attempts: Generated<number>;
  /** pending: when to try next; sending: when the claimer's lease runs out. */
  next_attempt_at: EpochMs;
  created_at: EpochMs;
  sent_at: EpochMs | null;
  last_error: string | null;
}

/** Every delivery attempt of an outbox row, for the API and the delivery log. */
export interface NotificationAttemptsTable {
  id: Generated<number>;
  outbox_id: number;
  at: EpochMs;
  duration_ms: number;
  ok: IntBool;
  /** The receiver's status (HTTP status, SMTP reply code, exit code) when there was one. */
  status: number | null;
  error: string | null;
}

/**
 * A silence (src/alerting/silences.ts): alerts matching all its matchers are not notified
 * from starts_at until ends_at, or until expired_at when someone ended it early.
 */
export interface SilencesTable {
  /** 12 random hex characters. */
  id: string;
  /** JSON array of { name, op, value } (src/alerting/matchers.ts). */
  matchers: string;
  starts_at: EpochMs;
  ends_at: EpochMs;
  created_by: string;
  comment: string;
  created_at: EpochMs;
  expired_at: EpochMs | null;
  expired_by: string | null;
}

export interface Database {
  unyo_meta: UnyoMetaTable;
  config_revisions: ConfigRevisionsTable;
  check_state: CheckStateTable;
  check_samples: CheckSamplesTable;
  check_rollups: CheckRollupsTable;
  check_failures: CheckFailuresTable;
  check_events: CheckEventsTable;
  audit_log: AuditLogTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  heartbeat_keys: HeartbeatKeysTable;
  heartbeat_pings: HeartbeatPingsTable;
  metric_series: MetricSeriesTable;
  metric_chunks: MetricChunksTable;
  metric_rollups: MetricRollupsTable;
  rule_alerts: RuleAlertsTable;
  rule_status: RuleStatusTable;
  alert_events: AlertEventsTable;
  silences: SilencesTable;
  notification_outbox: NotificationOutboxTable;
  notification_attempts: NotificationAttemptsTable;
}
