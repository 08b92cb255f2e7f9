/**
 * `metrics:` — where series come from (scrape targets, the built-in host collector, check
 * results, the push endpoint), how long the embedded store keeps them, its cardinality
 * limits, and remote Prometheus-compatible back-ends that rules may query with PromQL
 * (docs/metrics.md).
 */
import { z } from "zod";
import { durationSchema, formatDuration, sizeSchema } from "../core/duration.ts";
import { idSchema } from "./check-schema.ts";
import { type SchemaContext, secretSchema } from "./secret.ts";
import { uniqueIds } from "./unique-ids.ts";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const metricLabelsSchema = z
  .record(
    z.string().regex(LABEL_NAME, {
      error: "expected a label name: letters, digits and _, not starting with a digit",
    }),
    z.string(),
  )
  .default({});

const between = (min: number, max: number, example: string) =>
  durationSchema.refine((ms) => ms >= min && ms <= max, {
    error: `expected a duration from ${formatDuration(min)} to ${formatDuration(max)}, e.g. ${example}`,
  });

function scrapeTargetSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: idSchema.meta({ description: "Target id; its samples carry the label job=<id>" }),
      url: z.string().refine((u) => /^https?:\/\/[^\s/]+/.test(u) && URL.canParse(u), {
        error: "expected an http(s) URL such as http://web-1:9100/metrics",
      }),
      every: between(1000, 3_600_000, "1m").prefault("1m").meta({
        description: "How often the target is scraped",
      }),
      timeout: between(100, 600_000, "10s").prefault("10s").meta({
        description: "A scrape slower than this gives up == 0 and no samples",
      }),
      labels: metricLabelsSchema.meta({
        description: "Labels added to every sample of this target (e.g. role: web)",
      }),
      headers: z.record(z.string(), z.string()).default({}),
      bearer_token: secretSchema(ctx).optional(),
      max_samples: z.int().min(1).max(10_000_000).default(50_000).meta({
        description: "A scrape with more samples is cut here and reported",
      }),
      max_bytes: sizeSchema.prefault("16MiB").meta({
        description: "A response body larger than this fails the scrape (up == 0)",
      }),
    })
    .refine((t) => t.timeout <= t.every, {
      error: "timeout must not be longer than every",
      path: ["timeout"],
    });
}

function remoteSchema(ctx: SchemaContext) {
  return z.strictObject({
    id: idSchema.meta({ description: "Name rules use in `source:`" }),
    url: z
      .string()
      .refine((u) => /^https?:\/\/[^\s/]+/.test(u) && URL.canParse(u), {
        error: "expected the base URL of a Prometheus-compatible API, e.g. http://prometheus:9090",
      })
      .meta({
        description:
          "Base URL; /api/v1/query is appended (Prometheus, VictoriaMetrics, Thanos, Mimir's /prometheus)",
      }),
    timeout: between(100, 300_000, "10s").prefault("10s"),
    headers: z.record(z.string(), z.string()).default({}),
    bearer_token: secretSchema(ctx).optional(),
    basic_auth: z.strictObject({ username: z.string(), password: secretSchema(ctx) }).optional(),
  });
}

export function metricsSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      scrape: z.array(scrapeTargetSchema(ctx)).default([]),
      host: z
        .strictObject({
          enabled: z.boolean().default(true),
          every: between(1000, 3_600_000, "15s").prefault("15s"),
          labels: metricLabelsSchema,
        })
        .prefault({})
        .meta({ description: "Built-in collector: CPU, memory, disk per mount, load, network" }),
      checks: z.boolean().default(true).meta({
        description: "Record check results as series (unyo_check_up, unyo_check_duration_ms)",
      }),
      retention: z
        .strictObject({
          raw: between(3_600_000, 400 * 86_400_000, "7d").prefault("7d"),
          "1m": between(3_600_000, 400 * 86_400_000, "30d").prefault("30d"),
          "1h": between(86_400_000, 3650 * 86_400_000, "400d").prefault("400d"),
        })
        .prefault({})
        .meta({ description: "How long raw samples and the 1m and 1h rollups are kept" }),
      limits: z
        .strictObject({
          series: z.int().min(1).max(10_000_000).default(100_000),
          series_per_metric: z.int().min(1).max(10_000_000).default(20_000),
        })
        .prefault({})
        .meta({
          description:
            "Cardinality limits: new series beyond them are refused with an error naming the metric",
        }),
      remote: z.array(remoteSchema(ctx)).default([]).meta({
        description: "Prometheus-compatible APIs that rules can query with PromQL",
      }),
    })
    .superRefine((m, t) => {
      uniqueIds(m.scrape, "scrape", t);
      uniqueIds(m.remote, "remote", t);
    })
    .prefault({});
}

export type MetricsConfig = z.output<ReturnType<typeof metricsSchema>>;
export type ScrapeTargetConfig = MetricsConfig["scrape"][number];
export type RemoteConfig = MetricsConfig["remote"][number];
