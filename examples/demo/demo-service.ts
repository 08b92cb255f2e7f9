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

export function startDemoService(port: number, now: () => number = Date.now): Promise<Server> {
  const startedAt = now();
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
