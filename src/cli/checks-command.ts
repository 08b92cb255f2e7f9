/**
 * `unyo checks list | show | pause | resume`: checks of a running Unyo, through its API
 * with the log-in saved by `unyo login` (or UNYO_TOKEN).
 */
import { EXIT, UnyoError } from "../core/errors.ts";
import { apiClient } from "./api-client.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIO, Command } from "./command.ts";
import { subcommands } from "./subcommands.ts";
import { table, when } from "./table.ts";

const HELP = `Usage: unyo checks <subcommand> [options]

The checks of a running Unyo, through its API (log in first with \`unyo login\`, or set
UNYO_TOKEN to an API token).

Subcommands:
  list [--state STATE] [--json]   Every check: state, since, uptime 24h/7d/30d, p95, last message;
                                  heartbeat ping URLs (operators and admins)
  show ID [--json]                One check: settings, uptime, latency, latest results, transitions
  pause ID                        Stop running a check (operator; kept across restarts)
  resume ID                       Run a paused check again (operator)

Options:
  -u, --url URL    The server (UNYO_URL; default http://127.0.0.1:8080)
      --json       Print the API's JSON
  -h, --help       Show this help

Exit codes: 0 done; 1 not found, not allowed or not logged in; 2 usage; 3 server unreachable.
See also \`unyo check ID\`, which runs one check from the config file right here.
`;

const OPTIONS = { url: { type: "string", short: "u" }, json: { type: "boolean" } } as const;

// biome-ignore lint/suspicious/noExplicitAny: API JSON is printed field by field.
type Json = any;

const pct = (v: number | null | undefined) =>
  v == null ? "-" : `${v.toFixed(v >= 99.995 ? 0 : 2)}%`;
const ms = (v: number | null | undefined) => (v == null ? "-" : `${Math.round(v)}ms`);

async function list(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs("checks list", argv, {
    ...OPTIONS,
    state: { type: "string" },
  });
  const api = apiClient(io, values.url);
  const checks: Json[] = await api.get(
    `/api/v1/checks${values.state ? `?state=${encodeURIComponent(values.state)}` : ""}`,
  );
  if (values.json) {
    io.stdout(`${JSON.stringify(checks, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = [["ID", "TYPE", "STATE", "SINCE", "24H", "7D", "30D", "P95", "LAST MESSAGE"]];
  for (const c of checks) {
    rows.push([
      c.id,
      c.type,
      c.state,
      when(c.since),
      pct(c.uptime?.["24h"]),
      pct(c.uptime?.["7d"]),
      pct(c.uptime?.["30d"]),
      ms(c.latency_24h?.p95_ms),
      (c.last_message ?? "").slice(0, 80),
    ]);
  }
  io.stdout(table(rows));
  const beats = checks.filter((c) => c.heartbeat?.ping_url);
  if (beats.length > 0) {
    io.stdout(
      `\nHeartbeat ping URLs (secrets: give each only to its job):\n${table(beats.map((c) => [c.id, c.heartbeat.ping_url]))}`,
    );
  }
  const down = checks.filter((c) => c.state === "down").length;
  io.stderr(`${checks.length} check(s), ${down} down.\n`);
  return EXIT.ok;
}

async function show(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("checks show", argv, OPTIONS, 1);
  const id = requireId(positionals, "show");
  const api = apiClient(io, values.url);
  const body: Json = await api.get(`/api/v1/checks/${encodeURIComponent(id)}?limit=10`);
  if (values.json) {
    io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    return EXIT.ok;
  }
  const c = body.check;
  const l = c.latency_24h ?? {};
  io.stdout(
    `${c.name} (${c.id}) — ${c.state.toUpperCase()} since ${when(c.since)}\n` +
      `  ${c.type} ${c.target}, every ${c.every}; next run ${when(c.next_due_at)}\n` +
      `  expect: ${c.expect.length > 0 ? c.expect.join("; ") : "(the probe succeeding)"}\n` +
      `  uptime: 24h ${pct(c.uptime?.["24h"])}, 7d ${pct(c.uptime?.["7d"])}, 30d ${pct(c.uptime?.["30d"])}\n` +
      `  latency 24h: avg ${ms(l.avg_ms)}, p50 ${ms(l.p50_ms)}, p95 ${ms(l.p95_ms)}, p99 ${ms(l.p99_ms)}, max ${ms(l.max_ms)}\n` +
      (c.last_message ? `  last message: ${c.last_message}\n` : "") +
      (c.heartbeat
        ? `  heartbeat: next ping expected ${when(c.heartbeat.expected_at)}${c.heartbeat.ping_url ? `; ping URL ${c.heartbeat.ping_url}` : ""}\n`
        : "") +
      "\nLatest results:\n" +
      table([
        ["TIME", "OUTCOME", "DURATION", "MESSAGE"],
        ...body.results.map((r: Json) => [
          when(r.started_at),
          r.outcome,
          ms(r.duration_ms),
          r.message ?? "",
        ]),
      ]) +
      (body.events.length > 0
        ? `\nTransitions:\n${table([["TIME", "FROM", "TO", "MESSAGE"], ...body.events.map((e: Json) => [when(e.at), e.from, e.to, e.message ?? ""])])}`
        : ""),
  );
  return EXIT.ok;
}

function action(name: "pause" | "resume") {
  return async (argv: string[], io: CliIO): Promise<number> => {
    const { values, positionals } = parseCommandArgs(`checks ${name}`, argv, OPTIONS, 1);
    const id = requireId(positionals, name);
    const api = apiClient(io, values.url);
    const c: Json = await api.post(`/api/v1/checks/${encodeURIComponent(id)}/${name}`);
    if (values.json) io.stdout(`${JSON.stringify(c, null, 2)}\n`);
    else io.stdout(`${c.id} is ${c.state}${c.paused_by ? ` (paused by ${c.paused_by})` : ""}.\n`);
    return EXIT.ok;
  };
}

function requireId(positionals: string[], sub: string): string {
  const id = positionals[0];
  if (!id) {
    throw new UnyoError("UNYO_E_USAGE", `unyo checks ${sub}: which check? Give its id.`, {
      hint: "unyo checks list shows the ids.",
    });
  }
  return id;
}

export const checksCommand: Command = {
  name: "checks",
  summary: "List, show, pause and resume the checks of a running Unyo",
  help: HELP,
  run: subcommands("checks", HELP, {
    list,
    show,
    pause: action("pause"),
    resume: action("resume"),
  }),
};
