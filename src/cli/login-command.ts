/**
 * `unyo login | whoami | logout`: the command line as a client of a running Unyo. Log-in
 * goes through the same API as the web UI (throttling, MFA) and gets a personal API token
 * that is saved for later commands (src/cli/credentials.ts).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { EXIT, UnyoError } from "../core/errors.ts";
import { apiError, call } from "./api-client.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIO, Command } from "./command.ts";
import { forgetLogin, loadLogin, saveLogin, serverUrl } from "./credentials.ts";
import { readPassword, type SecretInput } from "./prompt.ts";

const URL_OPTION = { url: { type: "string", short: "u" } } as const;

const LOGIN_HELP = `Usage: unyo login --user NAME [--url URL] [--password-stdin] [--code CODE] [--expires DURATION] [--json]

Logs in to a running Unyo and saves a personal API token (with your role) in
$XDG_CONFIG_HOME/unyo/credentials.json (default ~/.config/unyo), readable only by you.
When your account has two-factor authentication you are asked for the code (or pass
--code: a 6-digit code or a recovery code).

Options:
  -U, --user NAME        Your username
  -u, --url URL          The server (UNYO_URL; default http://127.0.0.1:8080)
      --password-stdin   Read the password from the first line of standard input
      --code CODE        The two-factor code, instead of being asked for it
      --expires DURATION How long the saved token lives (default 30d)
      --json             Print the result as JSON
  -h, --help             Show this help

Exit codes: 0 logged in; 1 log-in refused (wrong credentials, locked, MFA enrolment
needed); 2 usage error; 3 the server is unreachable.

Example:
  unyo login --user alice --url https://unyo.example.com
`;

const WHOAMI_HELP = `Usage: unyo whoami [--url URL] [--json]

Shows who the saved log-in for the server is: username, role, and any pending
restriction. Exit 0 when the log-in is valid, 1 when it is missing or no longer valid.
`;

const LOGOUT_HELP = `Usage: unyo logout [--url URL]

Revokes the saved token on the server and forgets it locally. Exit 0 when done (also when
there was nothing to forget), 3 when the server is unreachable (the local copy is kept).
`;

export function createLoginCommand(stdin: () => SecretInput = () => process.stdin): Command {
  return {
    name: "login",
    summary: "Log in to a running Unyo and save a token for the CLI",
    help: LOGIN_HELP,
    async run(argv, io) {
      const { values } = parseCommandArgs("login", argv, {
        ...URL_OPTION,
        user: { type: "string", short: "U" },
        "password-stdin": { type: "boolean" },
        code: { type: "string" },
        expires: { type: "string" },
        json: { type: "boolean" },
      });
      if (values.help) {
        io.stdout(LOGIN_HELP);
        return EXIT.ok;
      }
      if (!values.user) {
        throw new UnyoError("UNYO_E_USAGE", "unyo login: --user is required.", {
          hint: "See unyo login --help.",
        });
      }
      const url = serverUrl(values.url, io.env);
      const password = await readPassword(
        {
          command: "login",
          fromStdin: values["password-stdin"] === true,
          confirm: false,
          prompt: `Password for ${values.user}: `,
        },
        io,
        stdin(),
      );
      const tokenName = `cli-${hostname()
        .replace(/[^A-Za-z0-9._-]/g, "-")
        .slice(0, 40)}-${randomBytes(3).toString("hex")}`;
      const request = (code?: string) =>
        call(url, "/api/v1/auth/token", {
          method: "POST",
          body: JSON.stringify({
            username: values.user,
            password,
            name: tokenName,
            ...(values.expires ? { expires_in: values.expires } : {}),
            ...(code ? { code } : {}),
          }),
        });
      let answer = await request(values.code);
      if (
        answer.status === 401 &&
        answer.body?.error?.code === "UNYO_E_MFA_REQUIRED" &&
        !values.code
      ) {
        const input = stdin();
        if (input.isTTY !== true) {
          throw new UnyoError(
            "UNYO_E_USAGE",
            "This account needs a two-factor code, and standard input is not a terminal to ask for it.",
            {
              hint: "Pass it with --code 123456 (or a recovery code).",
            },
          );
        }
        const code = await readPassword(
          {
            command: "login",
            fromStdin: false,
            confirm: false,
            prompt: "Two-factor code (or a recovery code): ",
          },
          io,
          input,
        );
        answer = await request(code);
      }
      if (answer.status !== 201) throw apiError(answer);
      saveLogin(io.env, url, {
        token: answer.body.token,
        tokenName: answer.body.name,
        username: values.user.toLowerCase(),
        expiresAt: answer.body.expires_at ?? null,
      });
      if (values.json) {
        io.stdout(
          `${JSON.stringify({ url, username: values.user.toLowerCase(), role: answer.body.role, token_name: answer.body.name, expires_at: answer.body.expires_at })}\n`,
        );
      } else {
        io.stdout(
          `Logged in to ${url} as ${values.user.toLowerCase()} (${answer.body.role}); token ${answer.body.name} expires ${answer.body.expires_at ?? "never"}.\n`,
        );
      }
      return EXIT.ok;
    },
  };
}

export const whoamiCommand: Command = {
  name: "whoami",
  summary: "Show who the saved log-in is for a server",
  help: WHOAMI_HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs("whoami", argv, {
      ...URL_OPTION,
      json: { type: "boolean" },
    });
    if (values.help) {
      io.stdout(WHOAMI_HELP);
      return EXIT.ok;
    }
    const url = serverUrl(values.url, io.env);
    const saved = requireLogin(io, url);
    const answer = await call(url, "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${saved.token}` },
    });
    if (answer.status !== 200) throw apiError(answer);
    if (values.json) io.stdout(`${JSON.stringify({ url, ...answer.body })}\n`);
    else {
      const restriction = answer.body.restriction
        ? ` — must first: ${answer.body.restriction}`
        : "";
      io.stdout(`${answer.body.actor} (${answer.body.role}) at ${url}${restriction}\n`);
    }
    return EXIT.ok;
  },
};

export const logoutCommand: Command = {
  name: "logout",
  summary: "Revoke and forget the saved log-in for a server",
  help: LOGOUT_HELP,
  async run(argv, io) {
    const { values } = parseCommandArgs("logout", argv, URL_OPTION);
    if (values.help) {
      io.stdout(LOGOUT_HELP);
      return EXIT.ok;
    }
    const url = serverUrl(values.url, io.env);
    const saved = loadLogin(io.env, url);
    if (!saved) {
      io.stderr(`Not logged in to ${url}; nothing to do.\n`);
      return EXIT.ok;
    }
    const auth = { authorization: `Bearer ${saved.token}` };
    const list = await call(url, "/api/v1/tokens", { headers: auth });
    if (list.status === 200) {
      const mine = (
        list.body.tokens as { id: number; name: string; revoked_at: string | null }[]
      ).find((t) => t.name === saved.tokenName && t.revoked_at === null);
      if (mine) {
        const revoked = await call(url, `/api/v1/tokens/${mine.id}`, {
          method: "DELETE",
          headers: auth,
        });
        if (revoked.status !== 200) throw apiError(revoked);
      }
    } else if (list.status !== 401) {
      throw apiError(list);
    }
    forgetLogin(io.env, url);
    io.stdout(`Logged out of ${url}.\n`);
    return EXIT.ok;
  },
};

function requireLogin(io: CliIO, url: string) {
  const saved = loadLogin(io.env, url);
  if (!saved) {
    throw new UnyoError("UNYO_E_UNAUTHENTICATED", `Not logged in to ${url}.`, {
      hint: `Run unyo login --user NAME --url ${url}`,
    });
  }
  return saved;
}
