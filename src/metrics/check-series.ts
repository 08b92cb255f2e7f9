/**
 * Check results as series (`metrics.checks: true`), so that rules and dashboards can use them
 * like any scraped metric: each "check.result" on the event bus appends, at the result's time,
 *   unyo_check_up{check="<id>"}           1 when the attempt succeeded, 0 when it failed
 *   unyo_check_duration_ms{check="<id>"}  how long the attempt took
 * Results of attempts cut short by Unyo's own shutdown (errorKind "interrupted") say nothing
 * about the target and are not recorded, as the check history does not record them either.
 * `enabled` is asked at every result, so a config reload turning `metrics.checks` off or on
 * takes effect without re-subscribing.
 */
import type { EventBus } from "../core/events.ts";
import type { SampleSink } from "./series.ts";

export function recordCheckSeries(
  bus: EventBus,
  sink: SampleSink,
  options: { enabled: () => boolean },
): () => void {
  return bus.on("check.result", (result) => {
    if (result.errorKind === "interrupted" || !options.enabled()) return;
    const labels = { check: result.checkId };
    sink.append([
      { name: "unyo_check_up", labels, value: result.ok ? 1 : 0, timestampMs: result.at },
      {
        name: "unyo_check_duration_ms",
        labels: { ...labels },
        value: result.durationMs,
        timestampMs: result.at,
      },
    ]);
  });
}
