/**
 * `unyo query EXPR [--range 1h]`: an expression evaluated by a running Unyo — one value per
 * series now (or at --at), or with --range a sparkline and min/avg/max/last per series.
 * `--source ID` sends the text as PromQL to a configured metrics.remote back-end instead.
 */

import { DURATION_PATTERN, parseDuration } from "../core/duration.ts";
import { EXIT, UnyoError } from "../core/errors.ts";
import { apiClient } from "./api-client.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIO, Command } from "./command.ts";
import { table } from "./table.ts";

const HELP = `Usage: unyo query EXPR [options]

Evaluates an expression (docs/expressions.md) on a running Unyo's metrics.

Options:
  -r, --range DURATION  Evaluate over the last DURATION (e.g. 1h) and show a sparkline per series
      --step DURATION   Step of a range query (default: about 60 points)
      --at TIME         Evaluate at TIME (RFC 3339 or Unix seconds) instead of now; with
                        --range, the end of the range
  -s, --source ID       Run EXPR as PromQL on the metrics.remote back-end ID
  -u, --url URL         The server (UNYO_URL; default http://127.0.0.1:8080)
      --json            Print the API's JSON
  -h, --help            Show this help

Examples:
  unyo query 'host_cpu_percent'
  unyo query 'avg(host_cpu_percent[5m])' --range 6h
  unyo query 'time_to(host_disk_used_percent[1d], 70) / 86400'
  unyo query 'up{job="node"} == 0' --source prometheus

Exit codes: 0 done (also when no series matched); 1 the expression failed or not logged in;
2 usage or syntax error; 3 server unreachable.
`;

const OPTIONS = {
  range: { type: "string", short: "r" },
  step: { type: "string" },
  at: { type: "string" },
  source: { type: "string", short: "s" },
  url: { type: "string", short: "u" },
  json: { type: "boolean" },
} as const;

// biome-ignore lint/suspicious/noExplicitAny: API JSON is printed field by field.
type Json = any;

const SPARKS = "▁▂▃▄▅▆▇█";

/** A one-line chart of the values; gaps (no value at a step) are spaces. */
export function sparkline(values: (number | null)[]): string {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return "";
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return " ";
      const i = max === min ? 3 : Math.round(((v - min) / (max - min)) * (SPARKS.length - 1));
      return SPARKS[i];
    })
    .join("");
}

const num = (v: number | string) =>
  typeof v === "number" ? String(Math.round(v * 1000) / 1000) : v;

export function formatLabels(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(", ");
  return `${name ?? ""}${inner || !name ? `{${inner}}` : ""}`;
}

function durationArg(flag: string, text: string): number {
  if (!DURATION_PATTERN.test(text)) {
    throw new UnyoError(
      "UNYO_E_USAGE",
      `${flag} expects a duration such as 1h or 15m, got "${text}".`,
    );
  }
  return parseDuration(text);
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("query", argv, OPTIONS, 1);
  const expr = positionals[0];
  if (!expr)
    throw new UnyoError("UNYO_E_USAGE", "unyo query: give an expression, e.g. unyo query 'up'.");
  const api = apiClient(io, values.url);
  const params = new URLSearchParams({ expr });
  if (values.source) params.set("source", values.source);

  if (values.range === undefined) {
    if (values.at) params.set("time", values.at);
    const answer: Json = await api.get(`/api/v1/query?${params}`);
    if (values.json) {
      io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
      return EXIT.ok;
    }
    if (answer.result.kind === "scalar") {
      io.stdout(`${num(answer.result.value)}\n`);
      return EXIT.ok;
    }
    const series: Json[] = answer.result.series;
    if (series.length === 0) {
      io.stdout(`(no series at ${answer.at})\n`);
      return EXIT.ok;
    }
    io.stdout(
      table([["SERIES", "VALUE"], ...series.map((s) => [formatLabels(s.labels), num(s.value)])]),
    );
    return EXIT.ok;
  }

  const rangeMs = durationArg("--range", values.range);
  const endMs = values.at ? Date.parse(values.at) || Number(values.at) * 1000 : Date.now();
  if (!Number.isFinite(endMs))
    throw new UnyoError("UNYO_E_USAGE", `--at: not a time: "${values.at}".`);
  const stepMs = values.step
    ? durationArg("--step", values.step)
    : Math.max(1000, Math.ceil(rangeMs / 60_000) * 1000);
  params.set("start", String((endMs - rangeMs) / 1000));
  params.set("end", String(endMs / 1000));
  params.set("step", String(stepMs / 1000));
  const answer: Json = await api.get(`/api/v1/query_range?${params}`);
  if (values.json) {
    io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
    return EXIT.ok;
  }
  if (answer.series.length === 0) {
    io.stdout(`(no series from ${answer.start} to ${answer.end})\n`);
    return EXIT.ok;
  }
  const steps = Math.floor(rangeMs / stepMs) + 1;
  const start = endMs - rangeMs;
  const rows = [
    ["SERIES", `LAST ${values.range} (step ${formatStep(stepMs)})`, "MIN", "AVG", "MAX", "LAST"],
  ];
  for (const s of answer.series as Json[]) {
    const byStep: (number | null)[] = new Array(steps).fill(null);
    for (const [t, v] of s.points as [number, number | string][]) {
      const i = Math.round((t - start) / stepMs);
      if (i >= 0 && i < steps)
        byStep[i] =
          typeof v === "number"
            ? v
            : Number(v.replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
    }
    const finite = byStep.filter((v): v is number => v !== null && Number.isFinite(v));
    const avg = finite.reduce((a, b) => a + b, 0) / (finite.length || 1);
    const last = s.points.at(-1)?.[1];
    rows.push([
      formatLabels(s.labels),
      sparkline(byStep),
      finite.length ? num(Math.min(...finite)) : "-",
      finite.length ? num(avg) : "-",
      finite.length ? num(Math.max(...finite)) : "-",
      last === undefined ? "-" : num(last),
    ]);
  }
  io.stdout(table(rows));
  return EXIT.ok;
}

const formatStep = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

export const queryCommand: Command = {
  name: "query",
  summary: "Evaluate an expression on a running Unyo's metrics (instant or --range)",
  help: HELP,
  async run(argv, io) {
    if (argv.includes("--help") || argv.includes("-h")) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    return run(argv, io);
  },
};
