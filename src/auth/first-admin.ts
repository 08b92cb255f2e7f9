/**
 * The first admin of an empty store. `unyo up` calls ensureFirstAdmin(): with
 * UNYO_ADMIN_PASSWORD set it creates the account at once; otherwise it makes a one-time
 * setup token (stored hashed, with an expiry) for a link printed on the console, so only
 * the person who started Unyo can claim it. completeSetup() spends the token.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuditLog } from "../audit/audit-log.ts";
import type { Clock } from "../core/clock.ts";
import { UnyoError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import type { User, UserService } from "./users.ts";

const SETUP_KEY = "setup_token";

export type FirstAdminOutcome =
  | { kind: "exists" }
  | { kind: "created"; user: User }
  | { kind: "setup_link"; token: string; expiresAt: number };

interface StoredSetupToken {
  hash: string;
  expiresAt: number;
}

export interface FirstAdminDeps {
  store: Store;
  users: UserService;
  audit: AuditLog;
  clock: Pick<Clock, "now">;
}

export async function ensureFirstAdmin(
  deps: FirstAdminDeps,
  env: Record<string, string | undefined>,
  setupTtlMs: number,
): Promise<FirstAdminOutcome> {
  if ((await deps.users.list()).length > 0) {
    await deps.store.db.deleteFrom("unyo_meta").where("key", "=", SETUP_KEY).execute();
    return { kind: "exists" };
  }
  const password = env.UNYO_ADMIN_PASSWORD;
  if (password) {
    const username = env.UNYO_ADMIN_USER || "admin";
    try {
      const user = await deps.users.add({ username, password, role: "admin" });
      await deps.audit.append({
        actor: "system",
        action: "user.create",
        outcome: "success",
        target: user.username,
        details: { role: "admin", via: "UNYO_ADMIN_PASSWORD" },
      });
      return { kind: "created", user };
    } catch (error) {
      if (error instanceof UnyoError && error.code === "UNYO_E_VALIDATION") {
        throw new UnyoError("UNYO_E_CONFIG_INVALID", `UNYO_ADMIN_PASSWORD: ${error.message}`, {
          hint: "Set UNYO_ADMIN_PASSWORD to a password that meets the policy, or unset it to get a setup link.",
        });
      }
      throw error;
    }
  }
  const token = randomBytes(24).toString("base64url");
  const stored: StoredSetupToken = {
    hash: sha256(token),
    expiresAt: deps.clock.now() + setupTtlMs,
  };
  await deps.store.db.deleteFrom("unyo_meta").where("key", "=", SETUP_KEY).execute();
  await deps.store.db
    .insertInto("unyo_meta")
    .values({ key: SETUP_KEY, value: JSON.stringify(stored) })
    .execute();
  return { kind: "setup_link", token, expiresAt: stored.expiresAt };
}

export interface CompleteSetupInput {
  token: string;
  username: string;
  password: string;
  sourceIp: string | null;
}

/** Creates the first admin with a valid setup token; the token can be used only once. */
export async function completeSetup(
  deps: FirstAdminDeps,
  input: CompleteSetupInput,
): Promise<User> {
  const row = await deps.store.db
    .selectFrom("unyo_meta")
    .select("value")
    .where("key", "=", SETUP_KEY)
    .executeTakeFirst();
  const stored = row ? (JSON.parse(row.value) as StoredSetupToken) : undefined;
  const valid =
    row !== undefined &&
    stored !== undefined &&
    typeof input.token === "string" &&
    deps.clock.now() < stored.expiresAt &&
    safeEqualHex(stored.hash, sha256(input.token));
  // Claim the token atomically: of two requests racing with it, only one deletes the row.
  const claimed =
    valid &&
    Number(
      (
        await deps.store.db
          .deleteFrom("unyo_meta")
          .where("key", "=", SETUP_KEY)
          .where("value", "=", row.value)
          .executeTakeFirst()
      ).numDeletedRows,
    ) === 1;
  if (!claimed || (await deps.users.list()).length > 0) {
    await deps.audit.append({
      actor: "-",
      action: "auth.setup",
      outcome: "denied",
      sourceIp: input.sourceIp,
    });
    throw new UnyoError(
      "UNYO_E_FORBIDDEN",
      "The setup link is not valid: used, expired or wrong.",
      {
        hint: "Restart Unyo for a new link, or create the admin with `unyo users add NAME --role admin`.",
      },
    );
  }
  let user: User;
  try {
    user = await deps.users.add({
      username: input.username,
      password: input.password,
      role: "admin",
    });
  } catch (error) {
    // A refused password or name must not use the link up: put the token back.
    await deps.store.db
      .insertInto("unyo_meta")
      .values({ key: SETUP_KEY, value: row.value })
      .execute();
    throw error;
  }
  await deps.audit.append({
    actor: user.username,
    action: "user.create",
    outcome: "success",
    target: user.username,
    sourceIp: input.sourceIp,
    details: { role: "admin", via: "setup_link" },
  });
  return user;
}

/** Whether a setup link is waiting to be used (for the setup page). */
export async function setupPending(
  deps: Pick<FirstAdminDeps, "store" | "clock">,
): Promise<boolean> {
  const row = await deps.store.db
    .selectFrom("unyo_meta")
    .select("value")
    .where("key", "=", SETUP_KEY)
    .executeTakeFirst();
  if (!row) return false;
  return deps.clock.now() < (JSON.parse(row.value) as StoredSetupToken).expiresAt;
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
