import { z } from "zod";
import { durationSchema } from "../core/duration.ts";

const positive = (example: string) =>
  durationSchema.refine((ms) => ms > 0, {
    error: `expected a duration longer than zero, e.g. ${example}`,
  });

/** `history:` — how long check results are kept, at which resolution (docs/checks.md#history). */
export const historySchema = z
  .strictObject({
    raw: positive("7d")
      .prefault("7d")
      .meta({ description: "Every single result, with failure messages, is kept this long" }),
    hourly: positive("400d").prefault("400d").meta({
      description:
        "Hourly rollups (count, failures, latency avg/p50/p95/p99/max); ~100 bytes per check per hour",
    }),
    daily: positive("400d")
      .prefault("400d")
      .meta({ description: "Daily rollups and the state-transition log" }),
    flush_interval: positive("1m")
      .refine((ms) => ms >= 1000 && ms <= 600_000, { error: "expected 1s to 10m, e.g. 1m" })
      .prefault("1m")
      .meta({
        description: "Results are written in batches this often (a crash loses at most this much)",
      }),
  })
  .prefault({});

export type HistoryConfig = z.output<typeof historySchema>;
