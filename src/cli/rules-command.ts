/**
 * `unyo rules list | show`: the threshold rules of a running Unyo with their alerts, through
 * its API with the log-in saved by `unyo login` (or UNYO_TOKEN).
 */
import { formatDuration } from "../core/duration.ts";
import { EXIT, UnyoError } from "../core/errors.ts";
import { apiClient } from "./api-client.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIO, Command } from "./command.ts";
import { formatLabels } from "./query-command.ts";
import { subcommands } from "./subcommands.ts";
import { table, when } from "./table.ts";

const HELP = `Usage: unyo rules <subcommand> [options]

The threshold rules of a running Unyo (log in first with \`unyo login\`, or set UNYO_TOKEN).

Subcommands:
  list [--state STATE] [--json]  Every rule: state (ok, pending, warning, critical), health,
                                 last evaluation, how many alerts fire or wait
  show ID [--json]               One rule: levels, every alert with labels and annotations,
                                 the latest transitions

Options:
  -u, --url URL    The server (UNYO_URL; default http://127.0.0.1:8080)
      --json       Print the API's JSON
  -h, --help       Show this help

Exit codes: 0 done; 1 not found, not allowed or not logged in; 2 usage; 3 server unreachable.
`;

const OPTIONS = { url: { type: "string", short: "u" }, json: { type: "boolean" } } as const;

// biome-ignore lint/suspicious/noExplicitAny: API JSON is printed field by field.
type Json = any;

const value = (v: number | string | null) =>
  v === null ? "-" : typeof v === "number" ? String(Math.round(v * 100) / 100) : v;

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("rules list", argv, {
    ...OPTIONS,
    state: { type: "string" },
  });
  const api = apiClient(io, values.url);
  const rules: Json[] = await api.get(
    `/api/v1/rules${values.state ? `?state=${encodeURIComponent(values.state)}` : ""}`,
  );
  if (values.json) {
    io.stdout(`${JSON.stringify(rules, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = [["ID", "STATE", "HEALTH", "LAST EVAL", "ALERTS", "NAME"]];
  for (const r of rules) {
    const firing = r.alerts.filter((a: Json) => a.state === "firing").length;
    const pending = r.alerts.length - firing;
    const alerts = [firing ? `${firing} firing` : "", pending ? `${pending} pending` : ""]
      .filter(Boolean)
      .join(", ");
    rows.push([
      r.id,
      r.paused ? "paused" : r.state,
      r.health,
      when(r.last_eval_at),
      alerts || "-",
      r.name,
    ]);
  }
  io.stdout(table(rows));
  const errors = rules.filter((r) => r.last_error);
  for (const r of errors) io.stdout(`\n${r.id}: ${r.last_error}`);
  if (errors.length > 0) io.stdout("\n");
  return EXIT.ok;
}

async function show(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("rules show", argv, OPTIONS, 1);
  const id = positionals[0];
  if (!id) throw new UnyoError("UNYO_E_USAGE", "unyo rules show: give a rule id.");
  const api = apiClient(io, values.url);
  const r: Json = await api.get(`/api/v1/rules/${encodeURIComponent(id)}`);
  if (values.json) {
    io.stdout(`${JSON.stringify(r, null, 2)}\n`);
    return EXIT.ok;
  }
  const levels = Object.entries(r.levels)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  io.stdout(
    `${r.name} (${r.id}) — ${r.state}, health ${r.health}\n` +
      `  expr     ${r.expr}${r.source === "embedded" ? "" : `  [on ${r.source}]`}\n` +
      `  levels   ${levels}; for ${formatDuration(r.for_ms)}, keep firing ${formatDuration(r.keep_firing_for_ms)}, every ${formatDuration(r.every_ms)}, no data: ${r.no_data}\n` +
      `  last     ${when(r.last_eval_at)} (${r.last_eval_duration_ms ?? "-"} ms, ${r.last_eval_series ?? 0} series)${r.last_error ? `\n  error    ${r.last_error}` : ""}\n`,
  );
  if (r.alerts.length > 0) {
    io.stdout("\nAlerts:\n");
    io.stdout(
      table([
        ["STATE", "LEVEL", "VALUE", "SINCE", "SERIES", "SUMMARY"],
        ...r.alerts.map((a: Json) => [
          a.state,
          a.level ?? "-",
          value(a.value),
          when(a.fired_at ?? a.pending_since),
          formatLabels(a.labels),
          a.annotations.summary ?? "",
        ]),
      ]),
    );
  }
  if (r.events.length > 0) {
    io.stdout("\nLatest transitions:\n");
    io.stdout(
      table([
        ["AT", "FROM", "TO", "VALUE", "SERIES"],
        ...r.events
          .slice(0, 20)
          .map((e: Json) => [
            when(e.at),
            `${e.from.state}${e.from.level ? `/${e.from.level}` : ""}`,
            `${e.to.state}${e.to.level ? `/${e.to.level}` : ""}`,
            value(e.value),
            formatLabels(e.labels),
          ]),
      ]),
    );
  }
  return EXIT.ok;
}

export const rulesCommand: Command = {
  name: "rules",
  summary: "List and show the threshold rules of a running Unyo and their alerts",
  help: HELP,
  run: subcommands("rules", HELP, { list, show }),
};
