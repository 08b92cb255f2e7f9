/**
 * `unyo tokens`: API tokens, managed at the console on the store directly. A new token is
 * printed once and never stored (only its sha256), so it can never be listed or audited.
 */
import type { TokenRecord } from "../auth/tokens.ts";
import { DurationError, formatDuration, parseDuration } from "../core/duration.ts";
import { EXIT, UnyoError } from "../core/errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIO, Command } from "./command.ts";
import {
  audited,
  authServices,
  dispatch,
  iso,
  parseRole,
  printJson,
  requireUser,
  STORE_OPTIONS,
  table,
  usage,
  withStore,
} from "./store-command.ts";
import { expires } from "./users-review.ts";

const HELP = `Usage: unyo tokens <subcommand> [options]

Manages API tokens (sent as "Authorization: Bearer unyo_…") directly in the store named by
the config (the server need not run). A token is printed once, when it is created: only its
hash is stored, so copy it then. Every change is recorded in the audit log with actor
cli:<your OS user>; the token itself never is.

Subcommands:
  create --name NAME --role ROLE [--expires DURATION] [--user NAME] [--json]
                     Create a token and print it (standard output: the token alone)
  list [--json]      Every token: id, name, owner, role, prefix, created, expires, last
                     used, revoked. Never the token itself.
  revoke ID|NAME     Revoke a token for good: by id, or by the name of an active token

Options:
  -n, --name NAME        A name to recognise the token by (unique among active tokens)
  -r, --role ROLE        viewer, operator or admin; at most the owner's role
  -e, --expires DURATION Expire after this long, e.g. 30d, 12h, 2w (default: never, or
                         security.token_max_lifetime when that is set)
  -u, --user NAME        The user the token acts for; without it, a service token. A user's
                         token stops working when the user is disabled, and its role is
                         capped at the user's current role.
      --json             Print data as JSON (create prints an object including the token)
  -c, --config FILE      Config file            UNYO_CONFIG    (default ./unyo.yaml)
  -d, --data-dir DIR     Folder for the SQLite  UNYO_DATA_DIR  (default storage.data_dir)
  -h, --help             Show this help
Other environment: UNYO_DATABASE_URL (use PostgreSQL).

Exit codes:
  0  done
  1  the config is invalid, or no such token or user
  2  the command line is wrong, or the input was refused (duplicate name, role too high)
  3  the config file or the database is unavailable

Examples:
  unyo tokens create --name ci --role operator --expires 90d > ci-token.txt
  unyo tokens create --name grafana --role viewer --user alice --json
  unyo tokens list
  unyo tokens revoke ci
`;

export const tokensCommand: Command = {
  name: "tokens",
  summary: "Create, list and revoke API tokens at the console",
  help: HELP,
  run(argv, io) {
    return dispatch("tokens", HELP, { create, list, revoke }, argv, io);
  },
};

async function create(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("tokens create", argv, {
    ...STORE_OPTIONS,
    name: { type: "string", short: "n" },
    role: { type: "string", short: "r" },
    expires: { type: "string", short: "e" },
    user: { type: "string", short: "u" },
    json: { type: "boolean" },
  });
  const name = values.name;
  if (name === undefined) throw usage("tokens create", "--name is required, e.g. --name ci.");
  const role = parseRole("tokens create", values.role);
  let expiresInMs = values.expires === undefined ? undefined : parseExpiry(values.expires);

  return withStore(values, io, async (ctx) => {
    const max = ctx.config.security.token_max_lifetime;
    if (max !== undefined) {
      if (expiresInMs === undefined) {
        expiresInMs = max;
      } else if (expiresInMs > max) {
        throw usage(
          "tokens create",
          `--expires ${values.expires} is longer than security.token_max_lifetime (${formatDuration(max)}).`,
        );
      }
    }
    const { users, tokens } = authServices(ctx);
    const owner = values.user === undefined ? undefined : await requireUser(users, values.user);
    const created = await audited(
      ctx,
      {
        action: "token.create",
        target: `token:${name.trim()}`,
        details: {
          role,
          user: owner?.username ?? null,
          expires_in: expiresInMs === undefined ? null : formatDuration(expiresInMs),
        },
      },
      async () => {
        const result = await tokens.create({
          name,
          role,
          userId: owner?.id ?? null,
          ...(expiresInMs === undefined ? {} : { expiresInMs }),
        });
        return { result, details: { id: result.record.id } };
      },
    );
    const { token, record } = created;
    if (values.json) {
      printJson(io, {
        token,
        ...recordJson(record, owner?.username ?? null, record.createdAt),
      });
    } else {
      io.stdout(`${token}\n`);
    }
    io.stderr(
      `Created API token "${record.name}" (id ${record.id}, role ${record.role}, ${owner ? `user ${owner.username}` : "service token"}, expires ${ctx.time(record.expiresAt)}).\n` +
        "Copy it now: it will not be shown again.\n",
    );
    return EXIT.ok;
  });
}

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("tokens list", argv, {
    ...STORE_OPTIONS,
    json: { type: "boolean" },
  });
  return withStore(values, io, async (ctx) => {
    const { users, tokens } = authServices(ctx);
    const names = new Map((await users.list()).map((u) => [u.id, u.username]));
    const records = await tokens.list();
    const now = Date.now();
    const ownerOf = (r: TokenRecord) => (r.userId === null ? null : (names.get(r.userId) ?? null));
    if (values.json) {
      printJson(
        io,
        records.map((r) => recordJson(r, ownerOf(r), now)),
      );
      return EXIT.ok;
    }
    if (records.length === 0) {
      io.stdout("No API tokens. Create one with: unyo tokens create --name NAME --role ROLE\n");
      return EXIT.ok;
    }
    io.stdout(
      table(
        ["ID", "NAME", "OWNER", "ROLE", "PREFIX", "CREATED", "EXPIRES", "LAST USED", "REVOKED"],
        records.map((r) => [
          String(r.id),
          r.name,
          ownerOf(r) ?? "-",
          r.role,
          r.prefix,
          ctx.time(r.createdAt),
          expires(ctx, r.expiresAt, now),
          ctx.time(r.lastUsedAt),
          ctx.time(r.revokedAt, "-"),
        ]),
      ),
    );
    return EXIT.ok;
  });
}

async function revoke(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("tokens revoke", argv, STORE_OPTIONS, 1);
  const which = positionals[0];
  if (which === undefined) {
    throw usage("tokens revoke", "expected a token id or name, e.g. unyo tokens revoke ci.");
  }
  return withStore(values, io, async (ctx) => {
    const { tokens } = authServices(ctx);
    const record = findToken(await tokens.list(), which);
    if (record.revokedAt !== null) {
      io.stdout(
        `API token ${record.id} "${record.name}" was already revoked at ${ctx.time(record.revokedAt)}; nothing was changed.\n`,
      );
      return EXIT.ok;
    }
    await audited(
      ctx,
      { action: "token.revoke", target: `token:${record.name}`, details: { id: record.id } },
      async () => ({ result: await tokens.revoke(record.id) }),
    );
    io.stdout(`Revoked API token ${record.id} "${record.name}".\n`);
    return EXIT.ok;
  });
}

/** By id when the text is a number naming a token, else the active token of that name. */
function findToken(records: TokenRecord[], which: string): TokenRecord {
  if (/^\d+$/.test(which)) {
    const byId = records.find((r) => r.id === Number(which));
    if (byId) return byId;
  }
  const byName = records.find((r) => r.name === which && r.revokedAt === null);
  if (byName) return byName;
  throw new UnyoError("UNYO_E_NOT_FOUND", `No API token with id or active name "${which}".`, {
    hint: "List the tokens with unyo tokens list.",
  });
}

function parseExpiry(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    if (error instanceof DurationError) throw usage("tokens create", `--expires ${error.message}.`);
    throw error;
  }
  if (ms <= 0) throw usage("tokens create", `--expires "${text}" must be longer than zero.`);
  return ms;
}

function recordJson(r: TokenRecord, owner: string | null, now: number) {
  return {
    id: r.id,
    name: r.name,
    owner,
    role: r.role,
    prefix: r.prefix,
    createdAt: iso(r.createdAt),
    expiresAt: iso(r.expiresAt),
    expired: r.expiresAt !== null && r.expiresAt <= now,
    lastUsedAt: iso(r.lastUsedAt),
    revokedAt: iso(r.revokedAt),
  };
}
