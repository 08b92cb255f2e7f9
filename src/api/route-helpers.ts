/**
 * Small pieces every route file shares: who is calling, recording what they did in the
 * audit log, and how a user is shown. Later capabilities (silences, jobs, restores) call
 * recordAction() for every operator and admin action.
 */
import type { FastifyRequest } from "fastify";
import type { AuditOutcome } from "../audit/audit-log.ts";
import type { Identity } from "../auth/auth-service.ts";
import type { User } from "../auth/users.ts";
import { UnyoError } from "../core/errors.ts";
import type { Runtime } from "../runtime.ts";

export const iso = (ms: number | null | undefined): string | null =>
  ms == null ? null : new Date(ms).toISOString();

/** The caller; routes behind a role always have one (the auth hook ran). */
export function identityOf(request: FastifyRequest): Identity {
  if (!request.identity) {
    throw new UnyoError("UNYO_E_UNAUTHENTICATED", "Log in or send an API token.");
  }
  return request.identity;
}

/** The caller as a user; service tokens (no user) are refused with UNYO_E_FORBIDDEN. */
export function userIdOf(request: FastifyRequest): { userId: number; username: string } {
  const identity = identityOf(request);
  if (identity.userId === null || identity.username === null) {
    throw new UnyoError("UNYO_E_FORBIDDEN", "This is for user accounts, not service tokens.");
  }
  return { userId: identity.userId, username: identity.username };
}

export interface ActionRecord {
  action: string;
  target?: string | null;
  outcome?: AuditOutcome;
  details?: Record<string, unknown>;
}

/** Appends the caller's action to the audit log (actor, source IP and time included). */
export async function recordAction(
  rt: Runtime,
  request: FastifyRequest,
  record: ActionRecord,
): Promise<void> {
  await rt.auth.audit.append({
    actor: request.identity?.actor ?? "-",
    action: record.action,
    outcome: record.outcome ?? "success",
    target: record.target ?? null,
    sourceIp: request.ip,
    details: record.details ?? null,
  });
}

/**
 * Runs a change and audits it: success with `details`, or failure with the error code
 * (then rethrows). The audit never holds the request body, so no secret can reach it.
 */
export async function audited<T>(
  rt: Runtime,
  request: FastifyRequest,
  record: ActionRecord,
  change: () => Promise<T>,
): Promise<T> {
  try {
    const result = await change();
    await recordAction(rt, request, record);
    return result;
  } catch (error) {
    const code = error instanceof UnyoError ? error.code : "UNYO_E_INTERNAL";
    await recordAction(rt, request, {
      ...record,
      outcome: "failure",
      details: { ...record.details, error: code },
    });
    throw error;
  }
}

export function presentUser(user: User) {
  return {
    username: user.username,
    display_name: user.displayName,
    role: user.role,
    disabled: user.disabled,
    mfa_enabled: user.mfaEnabled,
    created_at: iso(user.createdAt),
    password_changed_at: iso(user.passwordChangedAt),
    last_login_at: iso(user.lastLoginAt),
  };
}

export const userSchema = {
  $id: "User",
  type: "object",
  properties: {
    username: { type: "string" },
    display_name: { type: ["string", "null"] },
    role: { type: "string", enum: ["viewer", "operator", "admin"] },
    disabled: { type: "boolean" },
    mfa_enabled: { type: "boolean" },
    created_at: { type: "string", format: "date-time" },
    password_changed_at: { type: "string", format: "date-time" },
    last_login_at: { type: ["string", "null"], format: "date-time" },
  },
} as const;

/** JSON-schema bits reused by request bodies. */
export const usernameProp = { type: "string", minLength: 1, maxLength: 100 } as const;
export const passwordProp = { type: "string", minLength: 1, maxLength: 1024 } as const;
export const codeProp = { type: "string", minLength: 1, maxLength: 64 } as const;
