/** recordCheckSeries on a real EventBus: what each check result becomes in the sink. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EventBus, type UnyoEvents } from "../../src/core/events.ts";
import { recordCheckSeries } from "../../src/metrics/check-series.ts";
import { RecordingSink } from "../helpers/recording-sink.ts";

const result = (over: Partial<UnyoEvents["check.result"]>): UnyoEvents["check.result"] => ({
  checkId: "api",
  at: 1_700_000_000_000,
  ok: true,
  durationMs: 42,
  errorKind: null,
  message: null,
  ...over,
});

test("each result appends unyo_check_up and unyo_check_duration_ms at its time", () => {
  const bus = new EventBus();
  const sink = new RecordingSink();
  recordCheckSeries(bus, sink, { enabled: () => true });
  bus.emit("check.result", result({}));
  bus.emit(
    "check.result",
    result({
      checkId: "db",
      at: 1_700_000_001_000,
      ok: false,
      durationMs: 5000,
      errorKind: "timeout",
    }),
  );
  assert.deepEqual(sink.appends, [
    [
      { name: "unyo_check_up", labels: { check: "api" }, value: 1, timestampMs: 1_700_000_000_000 },
      {
        name: "unyo_check_duration_ms",
        labels: { check: "api" },
        value: 42,
        timestampMs: 1_700_000_000_000,
      },
    ],
    [
      { name: "unyo_check_up", labels: { check: "db" }, value: 0, timestampMs: 1_700_000_001_000 },
      {
        name: "unyo_check_duration_ms",
        labels: { check: "db" },
        value: 5000,
        timestampMs: 1_700_000_001_000,
      },
    ],
  ]);
});

test("interrupted attempts are not recorded; `enabled` is asked at every result", () => {
  const bus = new EventBus();
  const sink = new RecordingSink();
  let enabled = true;
  recordCheckSeries(bus, sink, { enabled: () => enabled });
  bus.emit("check.result", result({ ok: false, errorKind: "interrupted" }));
  assert.equal(sink.appends.length, 0);
  enabled = false;
  bus.emit("check.result", result({ at: 1 }));
  assert.equal(sink.appends.length, 0);
  enabled = true;
  bus.emit("check.result", result({ at: 2 }));
  assert.deepEqual(sink.values("unyo_check_up"), [1]);
});

test("the returned function unsubscribes", () => {
  const bus = new EventBus();
  const sink = new RecordingSink();
  const off = recordCheckSeries(bus, sink, { enabled: () => true });
  bus.emit("check.result", result({ at: 1 }));
  off();
  bus.emit("check.result", result({ at: 2 }));
  assert.deepEqual(
    sink.find("unyo_check_up").map((s) => s.timestampMs),
    [1],
  );
});

test("a failing sink is reported through the bus, not thrown at the publisher", () => {
  const errors: unknown[] = [];
  const bus = new EventBus((error) => errors.push(error));
  const sink = new RecordingSink();
  sink.failWith = new Error("store closed");
  recordCheckSeries(bus, sink, { enabled: () => true });
  bus.emit("check.result", result({}));
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ["store closed"],
  );
});
