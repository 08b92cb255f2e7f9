/**
 * What `unyo users`, `unyo tokens` and `unyo audit` share: subcommand dispatch, opening the
 * store for one command, audit entries for changes made at the console, and plain tables.
 */
import { userInfo } from "node:os";
import { AuditLog } from "../audit/audit-log.ts";
import { MfaService } from "../auth/mfa.ts";
import { isRole, ROLES, type Role } from "../auth/roles.ts";
import { SessionService } from "../auth/sessions.ts";
import { TokenService } from "../auth/tokens.ts";
import { type User, UserService } from "../auth/users.ts";
import type { UnyoConfig } from "../config/schema.ts";
import { closest } from "../config/suggest.ts";
import { systemClock } from "../core/clock.ts";
import { EXIT, isUnyoError, UnyoError } from "../core/errors.ts";
import { formatInZone } from "../core/time-format.ts";
import type { Store } from "../store/store.ts";
import { formatError } from "./args.ts";
import type { CliIO } from "./command.ts";
import { openConfiguredStore, type StoreFlags } from "./open-store.ts";
import type { Subcommands } from "./subcommands.ts";

/** The options every store command accepts, for parseCommandArgs. */
export const STORE_OPTIONS = {
  config: { type: "string", short: "c" },
  "data-dir": { type: "string", short: "d" },
} as const;

/**
 * Runs `unyo <command> <sub> ...`. No subcommand, `help` or `--help` prints the help. An
 * UnyoError is printed (as JSON on standard output when --json was given) and becomes the
 * exit code.
 */
export async function dispatch(
  command: string,
  help: string,
  subcommands: Subcommands,
  argv: string[],
  io: CliIO,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    io.stdout(help);
    return EXIT.ok;
  }
  try {
    if (sub === undefined || sub.startsWith("-")) {
      throw new UnyoError(
        "UNYO_E_USAGE",
        `unyo ${command}: expected a subcommand: ${Object.keys(subcommands).join(", ")}.`,
        { hint: `See unyo ${command} --help.` },
      );
    }
    const run = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
    if (!run) {
      const suggestion = closest(sub, Object.keys(subcommands));
      throw new UnyoError(
        "UNYO_E_USAGE",
        `unyo ${command}: unknown subcommand "${sub}".${suggestion ? ` Did you mean "${suggestion}"?` : ""}`,
        {
          hint: `The subcommands are ${Object.keys(subcommands).join(", ")}; see unyo ${command} --help.`,
        },
      );
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout(help);
      return EXIT.ok;
    }
    return await run(rest, io);
  } catch (error) {
    if (!isUnyoError(error)) throw error;
    if (rest.includes("--json")) io.stdout(`${JSON.stringify(error.toJSON(), null, 2)}\n`);
    else io.stderr(formatError(error));
    return error.exitCode;
  }
}

/** One command's view of the store, with the audit log and the console user as actor. */
export interface StoreContext {
  store: Store;
  config: UnyoConfig;
  io: CliIO;
  audit: AuditLog;
  actor: string;
  /** A time for people: ISO 8601 in the config's time zone, or `never`. */
  time(ms: number | null, missing?: string): string;
}

/** Opens the store, runs fn, and always closes the store. Invalid config → exit 1. */
export async function withStore(
  flags: StoreFlags,
  io: CliIO,
  fn: (ctx: StoreContext) => Promise<number>,
): Promise<number> {
  const opened = await openConfiguredStore(flags, io);
  if (!opened) return EXIT.failure;
  try {
    const { store, config } = opened;
    const ctx: StoreContext = {
      store,
      config,
      io,
      audit: new AuditLog(store.db, systemClock),
      actor: cliActor(io),
      time: (ms, missing = "never") =>
        ms === null ? missing : formatInZone(new Date(ms), config.timezone),
    };
    return await fn(ctx);
  } finally {
    await opened.close();
  }
}

/** `cli:<os user>`: who ran the command, as far as this machine knows. */
export function cliActor(io: CliIO): string {
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): fall back to the environment.
    name = io.env.USER || io.env.LOGNAME;
  }
  return `cli:${name || "unknown"}`;
}

export interface AuditedChange {
  action: string;
  target: string | null;
  /** Facts known before the change. NEVER a password or a token. */
  details?: Record<string, unknown>;
}

/**
 * Runs a change and records it in the audit log: `success` with the details (plus those fn
 * returns), or `failure` with the reason when the service rejects the input, then rethrows.
 */
export async function audited<T>(
  ctx: StoreContext,
  change: AuditedChange,
  fn: () => Promise<{ result: T; details?: Record<string, unknown> }>,
): Promise<T> {
  let outcome: { result: T; details?: Record<string, unknown> };
  try {
    outcome = await fn();
  } catch (error) {
    if (isUnyoError(error) && error.code === "UNYO_E_VALIDATION") {
      await ctx.audit.append({
        actor: ctx.actor,
        action: change.action,
        target: change.target,
        outcome: "failure",
        details: { ...change.details, reason: error.message },
      });
    }
    throw error;
  }
  await ctx.audit.append({
    actor: ctx.actor,
    action: change.action,
    target: change.target,
    outcome: "success",
    details: { ...change.details, ...outcome.details },
  });
  return outcome.result;
}

/** An epoch-ms time as ISO 8601 UTC for --json, or null. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Left-aligned columns separated by two spaces; no trailing spaces. */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

export function usage(command: string, message: string): UnyoError {
  return new UnyoError("UNYO_E_USAGE", `unyo ${command}: ${message}`, {
    hint: `See unyo ${command.split(" ")[0]} --help.`,
  });
}

/** The auth services on the command's store, with the configured password policy. */
export function authServices(ctx: StoreContext) {
  const { db } = ctx.store;
  return {
    users: new UserService(db, systemClock, { policy: ctx.config.security.password_policy }),
    tokens: new TokenService(db, systemClock),
    sessions: new SessionService(db, systemClock),
    mfa: new MfaService(db, systemClock),
  };
}

/** The user, or UNYO_E_NOT_FOUND (exit 1). */
export async function requireUser(users: UserService, name: string): Promise<User> {
  const user = await users.get(name);
  if (!user) {
    throw new UnyoError("UNYO_E_NOT_FOUND", `No user named "${name.trim().toLowerCase()}".`, {
      hint: "List the users with unyo users list.",
    });
  }
  return user;
}

/** A role from the command line, or a usage error naming the roles. */
export function parseRole(command: string, text: string | undefined, what = "--role"): Role {
  if (text === undefined) throw usage(command, `${what} is required: one of ${ROLES.join(", ")}.`);
  const role = text.toLowerCase();
  if (!isRole(role)) {
    throw usage(command, `${what} "${text}" is not a role: expected one of ${ROLES.join(", ")}.`);
  }
  return role;
}
