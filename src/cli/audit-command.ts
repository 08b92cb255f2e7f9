/**
 * `unyo audit`: check the audit log's hash chain, export it for auditors, and read it at the
 * console, directly on the store named by the config.
 */
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import type { AuditRow } from "../audit/audit-log.ts";
import { DURATION_PATTERN, parseDuration } from "../core/duration.ts";
import { EXIT } from "../core/errors.ts";
import { parseTimeInZone } from "../core/time-format.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIO, Command } from "./command.ts";
import {
  dispatch,
  printJson,
  STORE_OPTIONS,
  type StoreContext,
  table,
  usage,
  withStore,
} from "./store-command.ts";

const HELP = `Usage: unyo audit <subcommand> [options]

Reads the audit log in the store named by the config (the server need not run). Each row is
hash-chained to the one before it, so an edited or deleted row is detected (docs/audit.md).

Subcommands:
  verify [--json]    Walk the whole chain; report the first bad row, or the head (last id
                     and hash) to record outside Unyo
  export [--since T] [--until T] [-o FILE]
                     Write rows as JSON lines, oldest first, one row (with its hashes) per
                     line, to standard output or FILE. Recorded in the audit log itself.
  list [--actor A] [--action X] [--since T] [--until T] [--limit N] [--json]
                     The newest rows as a table

T is a time, 2026-01-01, 2026-01-01T09:00 (read in the config's timezone) or
2026-01-01T09:00:00+09:00, or a duration ago such as 30d, 12h or 2w. --since is inclusive,
--until exclusive.

Options:
      --since T      Only rows at or after T
      --until T      Only rows before T
  -o, --output FILE  Write the export to FILE (progress on standard error) instead of
                     standard output
      --actor A      Only rows by this actor, e.g. alice or cli:root
      --action X     Only this action, e.g. user.create, or a prefix such as user.*
  -n, --limit N      How many rows to list, 1-1000 (default 50)
      --json         Print data as JSON (verify: the result; list: an array of rows)
  -c, --config FILE  Config file            UNYO_CONFIG    (default ./unyo.yaml)
  -d, --data-dir DIR Folder for the SQLite  UNYO_DATA_DIR  (default storage.data_dir)
  -h, --help         Show this help
Other environment: UNYO_DATABASE_URL (use PostgreSQL).

Exit codes:
  0  done; for verify, the chain is intact
  1  verify found an edited, missing or relinked row; or the config is invalid
  2  the command line is wrong
  3  the config file, the database or the output file is unavailable

Examples:
  unyo audit verify
  unyo audit export --since 30d -o audit-last-30-days.jsonl
  unyo audit list --action 'user.*' --since 2026-04-01
`;

export const auditCommand: Command = {
  name: "audit",
  summary: "Verify, export and list the audit log",
  help: HELP,
  run(argv, io) {
    return dispatch("audit", HELP, { verify, export: exportRows, list }, argv, io);
  },
};

async function verify(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("audit verify", argv, {
    ...STORE_OPTIONS,
    json: { type: "boolean" },
  });
  return withStore(values, io, async (ctx) => {
    const result = await ctx.audit.verify();
    if (values.json) {
      printJson(io, result);
      return result.ok ? EXIT.ok : EXIT.failure;
    }
    const from = result.anchor ? ` after the retention anchor (id ${result.anchor.id})` : "";
    if (!result.ok) {
      io.stderr(
        `The audit log is NOT intact: the first bad row is id ${result.firstBadId}: ${result.problem}.\n` +
          `${result.checked} row(s) checked${from}. See docs/audit.md.\n`,
      );
      return EXIT.failure;
    }
    if (!result.head) {
      io.stdout(`The audit log is empty${from}: nothing to verify.\n`);
      return EXIT.ok;
    }
    io.stdout(
      `The audit log is intact: ${result.checked} row(s) checked${from}.\n` +
        `Head: id ${result.head.id}, hash ${result.head.hash}\n` +
        "Record the head outside Unyo: it reveals a later deletion of the newest rows.\n",
    );
    return EXIT.ok;
  });
}

async function exportRows(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("audit export", argv, {
    ...STORE_OPTIONS,
    since: { type: "string" },
    until: { type: "string" },
    output: { type: "string", short: "o" },
  });
  return withStore(values, io, async (ctx) => {
    const range = parseRange(ctx, "audit export", values);
    const path = values.output === undefined ? undefined : resolve(io.cwd, values.output);
    let file: Awaited<ReturnType<typeof open>> | undefined;
    if (path !== undefined) {
      try {
        file = await open(path, "w");
      } catch (error) {
        io.stderr(`Cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}.\n`);
        return EXIT.unavailable;
      }
    }
    let count = 0;
    try {
      let batch = "";
      const flush = async () => {
        if (file) await file.write(batch);
        else io.stdout(batch);
        batch = "";
      };
      for await (const row of ctx.audit.export(range)) {
        batch += `${JSON.stringify(row)}\n`;
        count += 1;
        if (count % 1000 === 0) {
          await flush();
          if (file) io.stderr(`${count} rows…\n`);
        }
      }
      await flush();
    } finally {
      await file?.close();
    }
    await ctx.audit.append({
      actor: ctx.actor,
      action: "audit.export",
      target: null,
      outcome: "success",
      details: {
        since: range.since === undefined ? null : new Date(range.since).toISOString(),
        until: range.until === undefined ? null : new Date(range.until).toISOString(),
        rows: count,
        destination: path ?? "stdout",
      },
    });
    if (path !== undefined) io.stderr(`Exported ${count} audit row(s) to ${path}.\n`);
    return EXIT.ok;
  });
}

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("audit list", argv, {
    ...STORE_OPTIONS,
    actor: { type: "string" },
    action: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    limit: { type: "string", short: "n" },
    json: { type: "boolean" },
  });
  const limitText = values.limit ?? "50";
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= 1000)) {
    throw usage("audit list", `--limit "${limitText}" is not a number from 1 to 1000.`);
  }
  return withStore(values, io, async (ctx) => {
    const rows = await ctx.audit.query({
      ...parseRange(ctx, "audit list", values),
      ...(values.actor === undefined ? {} : { actor: values.actor }),
      ...(values.action === undefined ? {} : { action: values.action }),
      limit,
    });
    if (values.json) {
      printJson(io, rows);
      return EXIT.ok;
    }
    if (rows.length === 0) {
      io.stdout("No audit rows match.\n");
      return EXIT.ok;
    }
    io.stdout(
      table(
        ["ID", "TIME", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAILS"],
        rows.map((r: AuditRow) => [
          String(r.id),
          ctx.time(r.at),
          r.actor,
          r.action,
          r.target ?? "-",
          r.outcome,
          r.details === null ? "" : JSON.stringify(r.details),
        ]),
      ),
    );
    return EXIT.ok;
  });
}

function parseRange(
  ctx: StoreContext,
  command: string,
  values: { since?: string | undefined; until?: string | undefined },
): { since?: number; until?: number } {
  const since =
    values.since === undefined ? undefined : parseTime(ctx, command, "--since", values.since);
  const until =
    values.until === undefined ? undefined : parseTime(ctx, command, "--until", values.until);
  if (since !== undefined && until !== undefined && since >= until) {
    throw usage(command, `--since ${values.since} is not before --until ${values.until}.`);
  }
  return {
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}

/** A time given as ISO 8601 (read in the config's zone when it has no offset) or `30d` ago. */
function parseTime(ctx: StoreContext, command: string, flag: string, text: string): number {
  if (DURATION_PATTERN.test(text)) {
    try {
      return Date.now() - parseDuration(text);
    } catch {
      // Units out of order (30m1h): reported below like any other unreadable time.
    }
  }
  const date = parseTimeInZone(text, ctx.config.timezone);
  if (date) return date.getTime();
  throw usage(
    command,
    `${flag} "${text}" is not a time: expected 2026-01-01, 2026-01-01T09:00 (read in ${ctx.config.timezone}), 2026-01-01T09:00:00+09:00, or a duration ago such as 30d or 12h.`,
  );
}
