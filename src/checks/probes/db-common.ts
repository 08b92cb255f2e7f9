/**
 * Pieces the database probes (postgres, mysql, redis) share: the schema of a SQL probe,
 * giving up on a driver call when the attempt's signal fires, readable error text, and
 * keeping the URL's password out of every message.
 */
import { z } from "zod";
import { type SchemaContext, secretSchema } from "../../config/secret.ts";

const paramSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: "expected a string, number, true/false or null",
});

/** Whether `url` parses, has one of `schemes` (e.g. "redis:") and names a host. */
export function isUrlWithHost(url: string, schemes: readonly string[]): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return schemes.includes(protocol) && hostname !== "";
}

export interface SqlProbeSpec {
  /** Whether a URL is one this database's driver takes. */
  isUrl(url: string): boolean;
  urlError: string;
  urlDescription: string;
  urlExamples: unknown[];
  queryDescription: string;
  queryExample: string;
  paramsError: string;
  paramsDescription: string;
  paramsExample: unknown[];
}

/** `url`, `query` and `params` of a SQL probe (postgres, mysql). */
export function sqlProbeSchema(ctx: SchemaContext, spec: SqlProbeSpec) {
  const sqlText = 'expected SQL text, e.g. "select count(*) as n from jobs where failed"';
  return z.strictObject({
    url: secretSchema(ctx)
      .refine((url) => (ctx.readSecrets === false && url === "") || spec.isUrl(url), {
        error: spec.urlError,
      })
      .meta({ description: spec.urlDescription, examples: spec.urlExamples }),
    query: z
      .string({ error: sqlText })
      .min(1, { error: sqlText })
      .optional()
      .meta({ description: spec.queryDescription, examples: [spec.queryExample] }),
    params: z
      .array(paramSchema, { error: spec.paramsError })
      .optional()
      .meta({ description: spec.paramsDescription, examples: [spec.paramsExample] }),
  });
}

/** The work's result, or a rejection as soon as the signal fires. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {}); // it may still fail after the signal decided the outcome
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Node reports "localhost" failures as an AggregateError with an empty message. */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === "") {
    return error.errors
      .map((e: unknown) => (e instanceof Error ? e.message : String(e)))
      .join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}

/** The URL's password (user-info or ?password=), raw and percent-decoded. */
export function secretsOf(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const parsed = new URL(url);
  const raw = [parsed.password, parsed.searchParams.get("password") ?? ""];
  return raw.flatMap((p) => {
    if (p === "") return [];
    try {
      return [p, decodeURIComponent(p)];
    } catch {
      return [p];
    }
  });
}

/** No message leaves the probe with the password in it, whatever the driver wrote. */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.replaceAll(secret, "***"), text);
}
