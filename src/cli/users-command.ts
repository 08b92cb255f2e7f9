/**
 * `unyo users`: the people who can log in, managed at the console on the store directly
 * (no running server needed). Every change is recorded in the audit log as `cli:<os user>`;
 * a new password, a new role, disabling and an MFA reset also end the user's sessions.
 */
import { checkUsername } from "../auth/users.ts";
import { EXIT, UnyoError } from "../core/errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIO, Command } from "./command.ts";
import { readPassword, type SecretInput } from "./prompt.ts";
import {
  audited,
  authServices,
  dispatch,
  parseRole,
  requireUser,
  STORE_OPTIONS,
  usage,
  withStore,
} from "./store-command.ts";
import { listUsers, reviewAccess } from "./users-review.ts";

const HELP = `Usage: unyo users <subcommand> [options]

Manages the people who can log in, directly in the store named by the config (the server
need not run). Every change is recorded in the audit log with actor cli:<your OS user>.
Changing a password or role, disabling and resetting MFA also end the user's sessions.

Subcommands:
  add NAME --role ROLE [--display-name TEXT] [--password-stdin]
                        Create a user; the password is asked for twice (or read from stdin)
  list [--json]         Every user: role, enabled or disabled, MFA on or off, last log-in
  passwd NAME [--password-stdin]
                        Set a new password
  disable NAME          Stop NAME from logging in (their API tokens stop working too)
  enable NAME           Allow NAME to log in again
  role NAME ROLE        Change the role
  mfa-reset NAME        Turn two-factor authentication off (lost phone); NAME enrols again
  review [--json]       Access review: each user's role, MFA and last log-in, and every API
                        token not revoked (with owner, role, created, expires, last used)

Roles: viewer (read), operator (also acknowledge, run jobs), admin (also users and tokens).
Passwords must meet security.password_policy (default: 12+ characters with a letter, a digit
and a symbol, not containing the username, not a common password).

Options:
  -r, --role ROLE       The role of a new user: viewer, operator or admin
      --display-name X  A name to show instead of the username
      --password-stdin  Read the password from the first line of standard input instead of
                        asking on the terminal (for scripts; never put it on the command line)
      --json            Print data as JSON (list, review)
  -c, --config FILE     Config file            UNYO_CONFIG    (default ./unyo.yaml)
  -d, --data-dir DIR    Folder for the SQLite  UNYO_DATA_DIR  (default storage.data_dir)
  -h, --help            Show this help
Other environment: UNYO_DATABASE_URL (use PostgreSQL).

Exit codes:
  0  done
  1  the config is invalid, or no such user
  2  the command line is wrong, or the input was refused (weak password, existing user)
  3  the config file or the database is unavailable

Examples:
  unyo users add alice --role admin --display-name "Alice Sato"
  printf '%s\\n' "$NEW_PASSWORD" | unyo users add ci-bot --role viewer --password-stdin
  unyo users role bob operator
  unyo users review --json > access-review.json
`;

const PASSWORD_OPTIONS = { ...STORE_OPTIONS, "password-stdin": { type: "boolean" } } as const;

export interface UsersCommandOptions {
  /** Where passwords are read from; standard input by default. */
  stdin?: () => SecretInput;
}

export function createUsersCommand(options: UsersCommandOptions = {}): Command {
  const stdin = options.stdin ?? (() => process.stdin);
  return {
    name: "users",
    summary: "Add and manage users at the console; review who has access",
    help: HELP,
    run(argv, io) {
      return dispatch(
        "users",
        HELP,
        {
          add: (rest, io2) => add(rest, io2, stdin),
          list: listUsers,
          passwd: (rest, io2) => passwd(rest, io2, stdin),
          disable: (rest, io2) => setDisabled(rest, io2, true),
          enable: (rest, io2) => setDisabled(rest, io2, false),
          role: changeRole,
          "mfa-reset": mfaReset,
          review: reviewAccess,
        },
        argv,
        io,
      );
    },
  };
}

export const usersCommand: Command = createUsersCommand();

/** Parses `users <sub> NAME [more]`, requiring exactly `count` positionals. */
function parseNamed<O extends Parameters<typeof parseCommandArgs>[2]>(
  sub: string,
  argv: string[],
  options: O,
  names: string[],
) {
  const command = `users ${sub}`;
  const parsed = parseCommandArgs(command, argv, options, names.length);
  if (parsed.positionals.length < names.length) {
    throw usage(command, `expected ${names.join(" ")}, e.g. unyo users ${sub} alice.`);
  }
  return parsed;
}

async function add(argv: string[], io: CliIO, stdin: () => SecretInput): Promise<number> {
  const { values, positionals } = parseNamed(
    "add",
    argv,
    {
      ...PASSWORD_OPTIONS,
      role: { type: "string", short: "r" },
      "display-name": { type: "string" },
    },
    ["NAME"],
  );
  const name = positionals[0] as string;
  const role = parseRole("users add", values.role);
  const displayName = values["display-name"];
  return withStore(values, io, async (ctx) => {
    const { users } = authServices(ctx);
    const user = await audited(
      ctx,
      {
        action: "user.create",
        target: name.trim().toLowerCase(),
        details: { role, ...(displayName === undefined ? {} : { display_name: displayName }) },
      },
      async () => {
        const username = checkUsername(name);
        // Before asking for a password that would only be thrown away.
        if (await users.get(username)) {
          throw new UnyoError("UNYO_E_VALIDATION", `A user named "${username}" already exists.`, {
            hint: "Usernames are case-insensitive; choose another one, or change this user's password with unyo users passwd.",
          });
        }
        const password = await readPassword(
          {
            command: "users add",
            fromStdin: values["password-stdin"] === true,
            confirm: true,
            prompt: `Password for ${username}: `,
          },
          io,
          stdin(),
        );
        return { result: await users.add({ username, password, role, displayName }) };
      },
    );
    io.stdout(`Added user ${user.username} (${user.role}).\n`);
    return EXIT.ok;
  });
}

async function passwd(argv: string[], io: CliIO, stdin: () => SecretInput): Promise<number> {
  const { values, positionals } = parseNamed("passwd", argv, PASSWORD_OPTIONS, ["NAME"]);
  return withStore(values, io, async (ctx) => {
    const { users, sessions } = authServices(ctx);
    const user = await requireUser(users, positionals[0] as string);
    const ended = await audited(
      ctx,
      { action: "user.password_change", target: user.username },
      async () => {
        const password = await readPassword(
          {
            command: "users passwd",
            fromStdin: values["password-stdin"] === true,
            confirm: true,
            prompt: `New password for ${user.username}: `,
          },
          io,
          stdin(),
        );
        await users.setPassword(user.username, password);
        const n = await sessions.revokeAllForUser(user.id);
        return { result: n, details: { sessions_ended: n } };
      },
    );
    io.stdout(`Changed the password of ${user.username}${sessionsNote(ended)}.\n`);
    return EXIT.ok;
  });
}

async function setDisabled(argv: string[], io: CliIO, disabled: boolean): Promise<number> {
  const sub = disabled ? "disable" : "enable";
  const { values, positionals } = parseNamed(sub, argv, STORE_OPTIONS, ["NAME"]);
  return withStore(values, io, async (ctx) => {
    const { users, sessions } = authServices(ctx);
    const user = await requireUser(users, positionals[0] as string);
    const ended = await audited(ctx, { action: `user.${sub}`, target: user.username }, async () => {
      if (!disabled) {
        await users.enable(user.username);
        return { result: 0 };
      }
      await users.disable(user.username);
      const n = await sessions.revokeAllForUser(user.id);
      return { result: n, details: { sessions_ended: n } };
    });
    io.stdout(`${disabled ? "Disabled" : "Enabled"} ${user.username}${sessionsNote(ended)}.\n`);
    return EXIT.ok;
  });
}

async function changeRole(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseNamed("role", argv, STORE_OPTIONS, ["NAME", "ROLE"]);
  const role = parseRole("users role", positionals[1], "ROLE");
  return withStore(values, io, async (ctx) => {
    const { users, sessions } = authServices(ctx);
    const user = await requireUser(users, positionals[0] as string);
    if (user.role === role) {
      io.stdout(`${user.username} is already ${role}; nothing was changed.\n`);
      return EXIT.ok;
    }
    const ended = await audited(
      ctx,
      { action: "user.role_change", target: user.username, details: { from: user.role, to: role } },
      async () => {
        await users.setRole(user.username, role);
        const n = await sessions.revokeAllForUser(user.id);
        return { result: n, details: { sessions_ended: n } };
      },
    );
    io.stdout(`${user.username} is now ${role} (was ${user.role})${sessionsNote(ended)}.\n`);
    return EXIT.ok;
  });
}

async function mfaReset(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseNamed("mfa-reset", argv, STORE_OPTIONS, ["NAME"]);
  return withStore(values, io, async (ctx) => {
    const { users, sessions, mfa } = authServices(ctx);
    const user = await requireUser(users, positionals[0] as string);
    const ended = await audited(
      ctx,
      {
        action: "user.mfa_reset",
        target: user.username,
        details: { mfa_was_enabled: user.mfaEnabled },
      },
      async () => {
        await mfa.reset(user.id);
        const n = await sessions.revokeAllForUser(user.id);
        return { result: n, details: { sessions_ended: n } };
      },
    );
    io.stdout(
      `Two-factor authentication of ${user.username} is off${user.mfaEnabled ? "" : " (it was not on)"}${sessionsNote(ended)}; they can enrol again.\n`,
    );
    return EXIT.ok;
  });
}

function sessionsNote(ended: number): string {
  return ended === 0 ? "" : `; ended ${ended} session${ended === 1 ? "" : "s"}`;
}
