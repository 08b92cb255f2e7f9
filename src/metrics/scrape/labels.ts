/**
 * The labels a scrape target adds to what it exposes, and what happens when they clash.
 *
 * Every scraped sample gets the target labels: `job=<target id>`, `instance=<host:port of the
 * url>` (the scheme's default port is added when the url has none, as Prometheus does) and the
 * target's configured `labels` (which may replace job or instance, e.g. `instance: web-1` instead
 * of `10.0.0.5:9100`, as a Prometheus static config can). Target labels always win, as with Prometheus' default
 * `honor_labels: false`: a scraped label with the same name keeps its value under
 * `exported_<name>` (`exported_exported_<name>` if that is taken too, and so on). So an exporter
 * that reports `job="node"` for a target with id "web" gives `job="web", exported_job="node"`;
 * a sample without job/instance simply gets the target's.
 *
 * Like Prometheus, a label with an empty value is the same as no label: such scraped labels are
 * dropped (and never clash). Labels starting with `__` are reserved for internal use
 * (`__name__` carries the metric name in the store) and are dropped from scraped samples.
 */
import { setLabel } from "../exposition.ts";
import type { Labels } from "../series.ts";

/** `host:port` of a scrape url, with the scheme's default port when the url has none. */
export function instanceOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.port !== "") return parsed.host;
  return `${parsed.host}:${parsed.protocol === "https:" ? 443 : 80}`;
}

/** The labels a target adds to every sample it gives, synthetic series included. */
export function targetLabels(target: {
  id: string;
  url: string;
  labels?: Record<string, string>;
}): Labels {
  const labels: Labels = { job: target.id, instance: instanceOf(target.url) };
  for (const [name, value] of Object.entries(target.labels ?? {})) setLabel(labels, name, value);
  return labels;
}

/**
 * The labels of one scraped sample after the target labels were added (rule in the file
 * comment). Returns a new object; `scraped` is not changed.
 */
export function withTargetLabels(scraped: Labels, target: Labels): Labels {
  const out: Labels = {};
  const clashes: [string, string][] = [];
  for (const name of Object.keys(scraped)) {
    const value = scraped[name] as string;
    if (value === "" || name.startsWith("__")) continue;
    if (Object.hasOwn(target, name)) clashes.push([name, value]);
    else setLabel(out, name, value);
  }
  for (const name of Object.keys(target)) setLabel(out, name, target[name] as string);
  for (const [name, value] of clashes) {
    let exported = `exported_${name}`;
    while (Object.hasOwn(out, exported)) exported = `exported_${exported}`;
    setLabel(out, exported, value);
  }
  return out;
}
