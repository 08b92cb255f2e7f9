/**
 * A small service for the demo to watch, so a new user sees Unyo catch real failures within
 * minutes. It answers like the seeds' applications and misbehaves on a fixed cycle:
 *
 *   0:00–2:00  healthy                     5:00–6:00  slow (800 ms: degraded)
 *   2:00–3:00  database disconnected       6:00–8:00  healthy, then the cycle repeats
 *   3:00–5:00  healthy
 *
 * GET /health  {"status":"healthy","database":"connected","cache":"connected"} (seed 000)
 * GET /ecs     {"RunningCount":2,"DesiredCount":2}  (seed 004's ECS check; 1 of 2 while down)
 * GET /metrics Prometheus text, as if it served 20 requests/s: http_requests_total{status},
 *              http_request_duration_seconds_sum/_count, shop_db_connections. 30% of the
 *              requests fail while the database is down; they take 0.8 s while slow. The
 *              demo's rules (seed 001's error-rate and response-time rows) fire and recover
 *              on this cycle.
 */
import { createServer, type Server } from "node:http";

const CYCLE_MS = 8 * 60_000;

export type Phase = "healthy" | "database_down" | "slow";

export function phaseAt(elapsedMs: number): Phase {
  const t = elapsedMs % CYCLE_MS;
  if (t >= 2 * 60_000 && t < 3 * 60_000) return "database_down";
  if (t >= 5 * 60_000 && t < 6 * 60_000) return "slow";
  return "healthy";
}

/** Simulated traffic, integrated over time so the counters only grow. */
const REQUESTS_PER_S = 20;
const traffic = (phase: Phase) => ({
  errorRatio: phase === "database_down" ? 0.3 : 0.0002,
  latencyS: phase === "slow" ? 0.8 : 0.12,
  connections: phase === "database_down" ? 0 : 40,
});

function metricsText(counters: { ok: number; failed: number; sum: number }, phase: Phase): string {
  const { connections } = traffic(phase);
  return [
    "# HELP http_requests_total Requests served, by status.",
    "# TYPE http_requests_total counter",
    `http_requests_total{status="200"} ${counters.ok.toFixed(3)}`,
    `http_requests_total{status="503"} ${counters.failed.toFixed(3)}`,
    "# HELP http_request_duration_seconds Time to answer a request.",
    "# TYPE http_request_duration_seconds summary",
    `http_request_duration_seconds_sum ${counters.sum.toFixed(3)}`,
    `http_request_duration_seconds_count ${(counters.ok + counters.failed).toFixed(3)}`,
    "# HELP shop_db_connections Open database connections.",
    "# TYPE shop_db_connections gauge",
    `shop_db_connections ${connections}`,
    "",
  ].join("\n");
}

export function startDemoService(port: number, now: () => number = Date.now): Promise<Server> {
  const startedAt = now();
  const counters = { ok: 0, failed: 0, sum: 0 };
  let countedTo = startedAt;
  /** Adds the requests "served" since the last call, phase by phase in 1-second steps. */
  const advance = () => {
    for (const end = now(); countedTo < end; ) {
      const step = Math.min(1000, end - countedTo);
      const { errorRatio, latencyS } = traffic(phaseAt(countedTo - startedAt));
      const requests = (REQUESTS_PER_S * step) / 1000;
      counters.failed += requests * errorRatio;
      counters.ok += requests * (1 - errorRatio);
      counters.sum += requests * latencyS;
      countedTo += step;
    }
  };
  const server = createServer((req, res) => {
    const phase = phaseAt(now() - startedAt);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") {
      const body = {
        status: phase === "database_down" ? "unhealthy" : "healthy",
        database: phase === "database_down" ? "disconnected" : "connected",
        cache: "connected",
      };
      const status = phase === "database_down" ? 503 : 200;
      if (phase === "slow") setTimeout(() => send(status, body), 800);
      else send(status, body);
    } else if (path === "/metrics") {
      advance();
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(metricsText(counters, phase));
    } else if (path === "/ecs") {
      send(200, { RunningCount: phase === "database_down" ? 1 : 2, DesiredCount: 2 });
    } else {
      send(404, { error: "not found" });
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
