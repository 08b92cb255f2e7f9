/** `unyo users list` and `unyo users review`: read-only views of users and their tokens. */
import type { AccessReviewToken } from "../auth/users.ts";
import { EXIT } from "../core/errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIO } from "./command.ts";
import {
  authServices,
  iso,
  printJson,
  STORE_OPTIONS,
  type StoreContext,
  table,
  withStore,
} from "./store-command.ts";

const LIST_OPTIONS = { ...STORE_OPTIONS, json: { type: "boolean" } } as const;

export async function listUsers(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("users list", argv, LIST_OPTIONS);
  return withStore(values, io, async (ctx) => {
    const list = await authServices(ctx).users.list();
    if (values.json) {
      printJson(
        io,
        list.map((u) => ({
          id: u.id,
          username: u.username,
          displayName: u.displayName,
          role: u.role,
          disabled: u.disabled,
          mfaEnabled: u.mfaEnabled,
          createdAt: iso(u.createdAt),
          passwordChangedAt: iso(u.passwordChangedAt),
          lastLoginAt: iso(u.lastLoginAt),
        })),
      );
      return EXIT.ok;
    }
    if (list.length === 0) {
      io.stdout("No users yet. Add the first admin with: unyo users add NAME --role admin\n");
      return EXIT.ok;
    }
    io.stdout(
      table(
        ["USERNAME", "ROLE", "STATUS", "MFA", "LAST LOGIN", "DISPLAY NAME"],
        list.map((u) => [
          u.username,
          u.role,
          u.disabled ? "disabled" : "enabled",
          u.mfaEnabled ? "on" : "off",
          ctx.time(u.lastLoginAt),
          u.displayName ?? "",
        ]),
      ),
    );
    return EXIT.ok;
  });
}

export async function reviewAccess(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("users review", argv, LIST_OPTIONS);
  return withStore(values, io, async (ctx) => {
    const review = await authServices(ctx).users.accessReview();
    const now = review.generatedAt;
    if (values.json) {
      const token = (t: AccessReviewToken) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        prefix: t.prefix,
        createdAt: iso(t.createdAt),
        expiresAt: iso(t.expiresAt),
        expired: t.expiresAt !== null && t.expiresAt <= now,
        lastUsedAt: iso(t.lastUsedAt),
      });
      printJson(io, {
        generatedAt: iso(now),
        store: `${ctx.store.kind} ${ctx.store.description}`,
        users: review.users.map((u) => ({
          username: u.username,
          displayName: u.displayName,
          role: u.role,
          disabled: u.disabled,
          mfaEnabled: u.mfaEnabled,
          lastLoginAt: iso(u.lastLoginAt),
          tokens: u.tokens.map(token),
        })),
        serviceTokens: review.serviceTokens.map(token),
      });
      return EXIT.ok;
    }

    io.stdout(`Access review of ${ctx.store.kind} ${ctx.store.description}, ${ctx.time(now)}\n\n`);
    if (review.users.length === 0) io.stdout("No users.\n");
    else {
      io.stdout(
        table(
          ["USER", "ROLE", "STATUS", "MFA", "LAST LOGIN", "TOKENS"],
          review.users.map((u) => [
            u.username,
            u.role,
            u.disabled ? "disabled" : "enabled",
            u.mfaEnabled ? "on" : "off",
            ctx.time(u.lastLoginAt),
            String(u.tokens.length),
          ]),
        ),
      );
    }
    const tokens = [
      ...review.users.flatMap((u) => u.tokens.map((t) => ({ owner: u.username, ...t }))),
      ...review.serviceTokens.map((t) => ({ owner: "(service)", ...t })),
    ];
    io.stdout("\n");
    if (tokens.length === 0) io.stdout("No API tokens.\n");
    else {
      io.stdout(
        table(
          ["TOKEN", "OWNER", "ROLE", "CREATED", "EXPIRES", "LAST USED"],
          tokens.map((t) => [
            t.name,
            t.owner,
            t.role,
            ctx.time(t.createdAt),
            expires(ctx, t.expiresAt, now),
            ctx.time(t.lastUsedAt),
          ]),
        ),
      );
    }
    return EXIT.ok;
  });
}

/** The expiry for people: `never`, a time, or a time marked `(expired)`. */
export function expires(ctx: StoreContext, expiresAt: number | null, now: number): string {
  const text = ctx.time(expiresAt);
  return expiresAt !== null && expiresAt <= now ? `${text} (expired)` : text;
}
