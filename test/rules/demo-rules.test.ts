/**
 * What `npm start` shows: the demo service's /metrics scraped every 15 s through the real
 * scraper into the real store, the demo config's shop rules evaluated on their interval, over
 * one 8-minute cycle of the demo (database down at 2:00–3:00, slow at 5:00–6:00) on a
 * simulated clock. The error rate must go critical while the database is down and recover
 * after; the response time must warn while the service is slow.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { startDemoService } from "../../examples/demo/demo-service.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { ManualClock } from "../../src/core/clock.ts";
import { EventBus } from "../../src/core/events.ts";
import { createLogger } from "../../src/log/logger.ts";
import { scrapeOnce, scrapeSeries } from "../../src/metrics/scrape/scraper.ts";
import { SeriesStore } from "../../src/metrics/store/series-store.ts";
import { RuleRepository } from "../../src/rules/rule-repository.ts";
import { RuleService } from "../../src/rules/rule-service.ts";
import { openStore } from "../../src/store/store.ts";

const dir = mkdtempSync(join(tmpdir(), "unyo-demo-rules-"));
let server: Server | undefined;
after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the demo's shop rules fire and recover on the demo service's cycle", async () => {
  const T0 = Date.parse("2026-11-23T00:00:00Z");
  const clock = new ManualClock(T0);
  server = await startDemoService(0, () => clock.now());
  const port = (server.address() as AddressInfo).port;
  const loaded = await loadConfigFile("examples/demo/unyo.yaml", {
    DEMO_SERVICE_PORT: String(port),
  });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  const { config } = loaded.value;
  const target = config.metrics.scrape.find((t) => t.id === "shop");
  assert.ok(target);
  const shopRules = config.rules.filter(
    (r) => r.id.startsWith("shop-") && r.id !== "shop-latency-p95",
  );

  const store = await openStore({ kind: "sqlite", path: join(dir, "unyo.db") });
  const log = createLogger({ level: "error", destination: { write: () => {} } });
  const series = new SeriesStore({
    db: store.db,
    clock,
    log,
    options: { retention: config.metrics.retention, limits: config.metrics.limits },
  });
  await series.open();
  const bus = new EventBus();
  const seen: string[] = [];
  bus.on("alert.transition", (e) => {
    const at = (e.at - T0) / 1000;
    const when = `${Math.floor(at / 60)}:${String(at % 60).padStart(2, "0")}`;
    seen.push(
      `${when} ${e.ruleId} ${e.to.state === "inactive" ? "resolved" : `${e.to.state}/${e.to.level}`}`,
    );
  });
  const rules = new RuleService({
    repository: new RuleRepository(store.db),
    reader: series,
    remote: () => undefined,
    clock,
    log,
    bus,
  });
  await rules.apply(shopRules);

  for (let ms = T0; ms <= T0 + 8 * 60_000; ms += 15_000) {
    clock.advance(ms - clock.now());
    const scraped = await scrapeOnce(target, { nowMs: ms });
    assert.equal(scraped.up, true, scraped.error ?? "");
    const stored = series.append(scraped.samples);
    assert.deepEqual(stored.rejected, []);
    series.append(scrapeSeries({ job: "shop" }, scraped, stored.accepted));
    for (const rule of shopRules)
      if ((ms - T0) % rule.every === 0) await rules.evaluate(rule.id, ms);
  }
  await rules.flush();

  // Rates over [1m] at 15 s evaluations: 30% errors show at once (2:15, the first window
  // with a down-phase increment) and need the window to be clean again to recover (≤ 0.05%,
  // 3:45). The average latency needs half the window slow to pass 500 ms (5:30) and
  // recovers at 6:45 like the error rate.
  assert.deepEqual(seen, [
    "2:15 shop-error-rate firing/critical",
    "3:45 shop-error-rate resolved",
    "5:30 shop-response-time firing/warning",
    "6:45 shop-response-time resolved",
  ]);
  await store.close();
});
