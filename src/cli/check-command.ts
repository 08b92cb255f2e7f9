/**
 * `unyo check ID`: runs one check from the config file, here and now — no server, no
 * store — and prints a readable report: every assertion passed or failed with expected and
 * actual, the error kind, timings. For trying a check before deploying it, and for scripts
 * (exit 0 when it passes).
 */
import { parseAssertion } from "../checks/assertions.ts";
import { evaluate, labelOf, observe, showValue } from "../checks/evaluate.ts";
import { targetOf } from "../checks/probes/index.ts";
import { runCheck } from "../checks/run-check.ts";
import { loadConfigFile } from "../config/load.ts";
import { formatProblem } from "../config/problems.ts";
import { closest } from "../config/suggest.ts";
import { EXIT, UnyoError } from "../core/errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";
import { displayPath, resolveConfigPath } from "./config-path.ts";

const HELP = `Usage: unyo check ID [--config FILE] [--url BASE] [--json]

Runs the check ID from the config once, right here, and reports every assertion with what
was expected and what came back. Nothing is recorded; the server need not run.

Options:
  -c, --config FILE  Config file (UNYO_CONFIG; default ./unyo.yaml)
  -u, --url BASE     Base URL for checks whose url is a path such as /api/health
                     (default: server.public_url, else http://127.0.0.1:<server.port>)
      --json         Print the result as JSON
  -h, --help         Show this help

Exit codes: 0 the check passed; 1 it failed (or the config is invalid, or no such check);
2 usage; 3 the config file is missing.

Example:
  unyo check api-health --config examples/seed-000/unyo.yaml
`;

export const checkCommand: Command = {
  name: "check",
  summary: "Run one check from the config now and print a readable report",
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      "check",
      argv,
      {
        config: { type: "string", short: "c" },
        url: { type: "string", short: "u" },
        json: { type: "boolean" },
      },
      1,
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT.ok;
    }
    const id = positionals[0];
    if (!id)
      throw new UnyoError("UNYO_E_USAGE", "unyo check: which check? Give its id.", {
        hint: "See unyo check --help.",
      });
    const path = resolveConfigPath(values.config, io.env, io.cwd);
    const shown = displayPath(path, io.cwd);
    const loaded = await loadConfigFile(path, io.env, { displayName: shown });
    if (!loaded.ok) {
      for (const p of loaded.problems) io.stderr(`${formatProblem(p)}\n`);
      return EXIT.failure;
    }
    const { config } = loaded.value;
    const check = config.checks.find((c) => c.id === id);
    if (!check) {
      const hint = closest(
        id,
        config.checks.map((c) => c.id),
      );
      throw new UnyoError(
        "UNYO_E_NOT_FOUND",
        `${shown} has no check "${id}".${hint ? ` Did you mean "${hint}"?` : ""}`,
        {
          hint: `Its checks: ${config.checks.map((c) => c.id).join(", ") || "none"}.`,
        },
      );
    }
    if (check.kind === "heartbeat") {
      throw new UnyoError("UNYO_E_USAGE", `${id} is a heartbeat: it is not run, it reports in.`, {
        hint: "See `unyo checks show ID` on the server for its state and next expected ping.",
      });
    }
    const baseUrl =
      values.url ?? config.server.public_url ?? `http://127.0.0.1:${config.server.port}`;
    const assertions = check.expect.map(parseAssertion);
    const result = await runCheck(check, assertions, {
      baseUrl,
      signal: AbortSignal.timeout((check.timeout + check.retry_delay) * (check.retries + 1) + 5000),
    });
    const passed = result.ok;
    if (values.json) {
      io.stdout(
        `${JSON.stringify(
          {
            id,
            ok: result.ok,
            degraded: result.degraded,
            duration_ms: result.durationMs,
            error_kind: result.errorKind,
            message: result.message,
            attempts: result.attempts,
            assertions: assertions.map((a) => {
              const failure = result.observation ? evaluate(a, result.observation) : undefined;
              return {
                assertion: a.source,
                ok: result.observation !== undefined && !failure,
                message: failure?.message ?? null,
              };
            }),
          },
          null,
          2,
        )}\n`,
      );
      return passed ? EXIT.ok : EXIT.failure;
    }
    const lines = [`${check.name ?? id} (${id}): ${check.kind} ${targetOf(check)}`];
    if (result.observation) {
      const obs = result.observation;
      const facts = [
        obs.status === undefined ? null : `status ${obs.status}`,
        `${Math.round(obs.responseTimeMs)} ms`,
        obs.exitCode === undefined ? null : `exit code ${obs.exitCode}`,
      ].filter(Boolean);
      lines.push(
        `  answered: ${facts.join(", ")}${result.attempts > 1 ? ` (attempt ${result.attempts})` : ""}`,
      );
      for (const a of assertions) {
        const failure = evaluate(a, obs);
        lines.push(
          failure
            ? `  ✘ ${a.source}\n      ${failure.message}`
            : `  ✔ ${a.source}  (${labelOf(a.subject)} = ${short(showValue(a.subject, observe(a.subject, obs)))})`,
        );
      }
    } else {
      lines.push(
        `  ✘ ${result.errorKind}: ${result.message} (after ${result.durationMs} ms, ${result.attempts} attempt(s))`,
      );
    }
    lines.push(
      passed
        ? "PASS"
        : result.degraded
          ? "FAIL (degraded: only latency assertions failed)"
          : "FAIL",
    );
    io.stdout(`${lines.join("\n")}\n`);
    return passed ? EXIT.ok : EXIT.failure;
  },
};

function short(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
