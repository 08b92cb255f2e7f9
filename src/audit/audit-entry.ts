/**
 * One audit row: its shape, validation, canonical hash and database mapping. The chain
 * itself (append, verify, query, prune) is in audit-log.ts.
 */
import { createHash } from "node:crypto";
import type { Selectable } from "kysely";
import { UnyoError } from "../core/errors.ts";
import type { AuditLogTable, AuditOutcome } from "../store/schema.ts";

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ["success", "failure", "denied"];

/** Lowercase dotted words: `auth.login`, `user.role_change`, `config.reload`. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export interface AuditEntry {
  /** A user name, `system`, or `token:<name>`. */
  actor: string;
  /** Dotted, e.g. `auth.login`. */
  action: string;
  outcome: AuditOutcome;
  target?: string | null;
  sourceIp?: string | null;
  /** Extra facts, stored as JSON. NEVER secrets: name a token, do not include it. */
  details?: Readonly<Record<string, unknown>> | null;
}

export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  sourceIp: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

export type StoredRow = Pick<
  AuditLogTable,
  "actor" | "action" | "target" | "source_ip" | "outcome" | "details" | "prev_hash" | "hash"
> & { id: number; at: number };

/** Hex SHA-256 over the canonical JSON of a row (fixed key order; details as stored text). */
export function auditRowHash(row: Omit<StoredRow, "hash">): string {
  const canonical = JSON.stringify({
    id: Number(row.id),
    at: Number(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    source_ip: row.source_ip,
    outcome: row.outcome,
    details: row.details,
    prev_hash: row.prev_hash,
  });
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/** PostgreSQL text cannot hold NUL, and lone surrogates would not round-trip. */
export function clean(text: string): string {
  return text.toWellFormed().replaceAll("\0", "\uFFFD");
}

export function normalise(
  entry: AuditEntry,
): Pick<StoredRow, "actor" | "action" | "target" | "source_ip" | "outcome" | "details"> {
  if (typeof entry.actor !== "string" || entry.actor === "") {
    throw invalid("the audit actor must be a non-empty string", { actor: entry.actor });
  }
  if (!ACTION_PATTERN.test(entry.action)) {
    throw invalid("the audit action must be dotted lowercase words, like auth.login", {
      action: entry.action,
    });
  }
  if (!AUDIT_OUTCOMES.includes(entry.outcome)) {
    throw invalid(`the audit outcome must be one of ${AUDIT_OUTCOMES.join(", ")}`, {
      outcome: entry.outcome,
    });
  }
  const details =
    entry.details === undefined || entry.details === null ? null : JSON.stringify(entry.details);
  return {
    actor: clean(entry.actor),
    action: entry.action,
    target: entry.target == null ? null : clean(entry.target),
    source_ip: entry.sourceIp == null ? null : clean(entry.sourceIp),
    outcome: entry.outcome,
    details: details === null ? null : clean(details),
  };
}

export function fromDb(raw: Selectable<AuditLogTable>): StoredRow {
  return { ...raw, id: Number(raw.id), at: Number(raw.at) };
}

export function toAuditRow(row: StoredRow): AuditRow {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    sourceIp: row.source_ip,
    outcome: row.outcome,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function checkTime(name: string, value: number | undefined): void {
  if (value !== undefined && !Number.isFinite(value)) {
    throw invalid(`${name} must be a time in epoch milliseconds`, { [name]: value });
  }
}

export function invalid(message: string, details: Record<string, unknown>): UnyoError {
  return new UnyoError("UNYO_E_VALIDATION", message, { details });
}
