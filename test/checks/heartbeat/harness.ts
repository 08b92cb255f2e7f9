/** Shared by the heartbeat monitor tests: configs, a monitor that records its results. */
import { type HeartbeatCheck, HeartbeatMonitor } from "../../../src/checks/heartbeat/monitor.ts";
import { heartbeatSchema } from "../../../src/checks/heartbeat/schema.ts";
import type { HeartbeatResult } from "../../../src/checks/heartbeat/watch.ts";
import type { Clock } from "../../../src/core/clock.ts";
import { createLogger } from "../../../src/log/logger.ts";
import type { Store } from "../../../src/store/store.ts";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const T0 = Date.UTC(2026, 0, 10, 0, 0, 0);

export const hb = (input: Record<string, unknown>) =>
  heartbeatSchema({ baseDir: "." }).parse(input);

export const check = (
  id: string,
  input: Record<string, unknown>,
  timezone = "UTC",
): HeartbeatCheck => ({ id, heartbeat: hb(input), timezone });

export function harness(store: Store, clock: Clock) {
  const results: (HeartbeatResult & { checkId: string })[] = [];
  const logLines: string[] = [];
  const log = createLogger({ level: "debug", destination: { write: (s) => logLines.push(s) } });
  const monitor = new HeartbeatMonitor({
    db: store.db,
    clock,
    log,
    onResult: (checkId, result) => results.push({ checkId, ...result }),
  });
  return { monitor, results, logLines };
}

/** A monitor with these checks applied, started. */
export async function started(store: Store, clock: Clock, checks: HeartbeatCheck[]) {
  const h = harness(store, clock);
  await h.monitor.apply(checks);
  await h.monitor.start();
  return h;
}

export const keyOf = (monitor: HeartbeatMonitor, id: string) => monitor.keyOf(id) as string;
