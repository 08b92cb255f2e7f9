/**
 * A query reaching back past the raw retention reads the rollups: one sample per 1m bucket
 * (at its end, the bucket's last value) where minute rollups are kept, one per 1h bucket
 * beyond, raw samples where they still are — joined into one series, oldest first.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluate } from "../../../src/rules/expr/evaluate.ts";
import { parseExpr } from "../../../src/rules/expr/parser.ts";
import { forEachStore } from "../../helpers/stores.ts";
import { DAY, HOUR, MINUTE, nameIs, openSeriesStore, T0 } from "./helpers.ts";

forEachStore("metric series store: queries past the raw retention", (stores) => {
  test("raw for the last hour, 1m rollups for the day, 1h rollups beyond", async () => {
    const { series, clock } = await openSeriesStore(stores, {
      retention: { raw: HOUR, "1m": 3 * HOUR, "1h": 30 * DAY },
    });
    // A counter growing 60 an hour (1 a minute, sampled at :30 of each minute), for 6 hours.
    const end = T0 + 6 * HOUR;
    for (let t = T0 + 30_000; t < end; t += MINUTE) {
      clock.advance(t - clock.now());
      series.append([
        {
          name: "jobs_total",
          labels: { job: "batch" },
          value: (t - T0 - 30_000) / MINUTE,
          timestampMs: t,
        },
      ]);
      if ((t - T0 - 30_000) % (10 * MINUTE) === 0) await series.flush();
    }
    clock.advance(end + 5 * MINUTE - clock.now());
    await series.flush();
    await series.prune();

    const [all] = await series.select([nameIs("jobs_total")], T0, end);
    assert.ok(all);
    const ts = Array.from(all.timestamps);
    const vs = Array.from(all.values);
    // Strictly increasing timestamps, and the value at each is the counter's value then.
    for (let i = 1; i < ts.length; i++)
      assert.ok((ts[i] as number) > (ts[i - 1] as number), `t[${i}]`);
    // Oldest part: hourly buckets end at hour boundaries with the hour's last value (:59:30).
    assert.equal(ts[0], T0 + HOUR);
    assert.equal(vs[0], 59);
    // The newest samples are raw, at :30.
    assert.equal(ts.at(-1), end - 30_000);
    assert.equal(vs.at(-1), 6 * 60 - 1);
    // Between: minute buckets (at minute ends) where minute rollups are kept.
    const minuteEnds = ts.filter((t) => t % MINUTE === 0 && t % HOUR !== 0);
    assert.ok(minuteEnds.length >= 60, `minute samples: ${minuteEnds.length}`);
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i] as number;
      const expected = t % MINUTE === 0 ? (t - T0) / MINUTE - 1 : (t - T0 - 30_000) / MINUTE;
      assert.equal(vs[i], expected, `value at +${(t - T0) / MINUTE} min`);
    }

    // increase() over the whole 6 hours reads all three resolutions as one counter: at least
    // what the samples show (359 − 59; the first hour is one point at its end), at most the
    // true 360 — never a reset or a jump where the parts join.
    const increase = await evaluate(parseExpr("increase(jobs_total[6h])"), series, end);
    assert.equal(increase.kind, "vector");
    const value = increase.kind === "vector" ? (increase.samples[0]?.value ?? 0) : 0;
    assert.ok(value >= 300 && value <= 360, `increase ${value}`);
  });
});
