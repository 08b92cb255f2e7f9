/**
 * scrapeOnce against real local HTTP servers: what one scrape gives for a healthy target, an
 * OpenMetrics one, malformed lines, garbage and an empty body; and the target label rules.
 * The ways a target fails are in scrape-failures.test.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  instanceOf,
  scrapeOnce,
  scrapeSeries,
  withTargetLabels,
} from "../../src/metrics/scrape/scraper.ts";
import { VERSION } from "../../src/version.ts";
import { serve, target, text } from "../helpers/scrape-servers.ts";

const NOW = 1_700_000_000_000;

describe("scrapeOnce", () => {
  test("a healthy target: request headers, target labels, exported_ clashes", async () => {
    const { url, requests } = await serve(
      text(
        [
          "# HELP http_requests_total Requests.",
          "# TYPE http_requests_total counter",
          'http_requests_total{code="200"} 1027',
          'http_requests_total{code="500",job="node",instance="",role="db"} 3 1699999999000',
          "temperature 21.5",
        ].join("\n"),
      ),
    );
    const port = new URL(url).port;
    const result = await scrapeOnce(
      target(url, {
        labels: { role: "web" },
        headers: { "X-Tenant": "ops" },
        bearer_token: "s3cret",
      }),
      { nowMs: NOW },
    );
    assert.equal(result.error, null);
    assert.equal(result.up, true);
    assert.equal(result.scraped, 3);
    assert.equal(result.problemsTotal, 0);
    const instance = `127.0.0.1:${port}`;
    assert.deepEqual(result.samples, [
      {
        name: "http_requests_total",
        labels: { code: "200", job: "web", instance, role: "web" },
        value: 1027,
        timestampMs: NOW,
      },
      {
        name: "http_requests_total",
        labels: {
          code: "500",
          job: "web",
          instance,
          role: "web",
          exported_job: "node",
          exported_role: "db",
        },
        value: 3,
        timestampMs: 1_699_999_999_000,
      },
      {
        name: "temperature",
        labels: { job: "web", instance, role: "web" },
        value: 21.5,
        timestampMs: NOW,
      },
    ]);
    const headers = requests[0]?.headers ?? {};
    assert.equal(
      headers.accept,
      "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.1",
    );
    assert.equal(headers["user-agent"], `unyo/${VERSION}`);
    assert.equal(headers.authorization, "Bearer s3cret");
    assert.equal(headers["x-tenant"], "ops");
    assert.equal(headers["x-prometheus-scrape-timeout-seconds"], "2");
    assert.ok(result.durationMs > 0 && result.durationMs < 2000, `${result.durationMs}`);
  });

  test("an OpenMetrics body: timestamps in seconds, # EOF", async () => {
    const { url } = await serve(
      text(
        [
          "# TYPE jobs counter",
          "jobs_total 17 1700000000.5",
          'jobs_created{queue="a"} 1699990000',
          "# EOF",
          "",
        ].join("\n"),
        "application/openmetrics-text; version=1.0.0; charset=utf-8",
      ),
    );
    const result = await scrapeOnce(target(url), { nowMs: NOW });
    assert.equal(result.up, true);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.samples.map((s) => [s.name, s.labels.queue, s.value, s.timestampMs]),
      [
        ["jobs_total", undefined, 17, 1_700_000_000_500],
        ["jobs_created", "a", 1_699_990_000, NOW],
      ],
    );
  });

  test("malformed lines are reported by line and column; the rest is kept and up is 1", async () => {
    const { url } = await serve(text('ok_one 1\nbad{x="1" 2\nok_two 2\n3bad 4\nok_three 3\n'));
    const result = await scrapeOnce(target(url), { nowMs: NOW });
    assert.equal(result.up, true);
    assert.equal(result.error, null);
    assert.deepEqual(
      result.samples.map((s) => s.name),
      ["ok_one", "ok_two", "ok_three"],
    );
    assert.equal(result.problemsTotal, 2);
    assert.deepEqual(
      result.problems.map((p) => [p.line, p.column]),
      [
        [2, 11],
        [4, 1],
      ],
    );
    assert.equal(result.problems[0]?.text, 'bad{x="1" 2');
    const series = scrapeSeries({ job: "web", instance: "i" }, result, 3);
    assert.deepEqual(
      series.map((s) => [s.name, s.value, s.timestampMs]),
      [
        ["up", 1, NOW],
        ["scrape_duration_seconds", result.durationMs / 1000, NOW],
        ["scrape_samples_scraped", 3, NOW],
        ["scrape_samples_stored", 3, NOW],
        ["scrape_problems", 2, NOW],
      ],
    );
    assert.deepEqual(series[0]?.labels, { job: "web", instance: "i" });
  });

  test("garbage (no valid sample) is up 0 with the first problem", async () => {
    const { url } = await serve(text("<html>\n<body>Not found</body>\n</html>\n", "text/html"));
    const result = await scrapeOnce(target(url), { nowMs: NOW });
    assert.equal(result.up, false);
    assert.equal(result.samples.length, 0);
    assert.equal(result.problemsTotal, 3);
    assert.match(
      result.error ?? "",
      /^no valid samples in the response: 3 malformed lines, the first: line 1:1: /,
    );
  });

  test("an empty body is up with no samples", async () => {
    const { url } = await serve(text(""));
    const result = await scrapeOnce(target(url), { nowMs: NOW });
    assert.deepEqual([result.up, result.error, result.samples.length], [true, null, 0]);
  });

  test("user info in the url becomes Basic authentication and never reaches an error", async () => {
    const { url, requests } = await serve(text("a 1\n"));
    const withUser = url.replace("http://", "http://scraper:p%40ss@");
    const result = await scrapeOnce(target(withUser), { nowMs: NOW });
    assert.equal(result.up, true);
    const expected = `Basic ${Buffer.from("scraper:p@ss").toString("base64")}`;
    assert.equal(requests[0]?.headers.authorization, expected);
    assert.equal(result.samples[0]?.labels.instance, new URL(url).host);
  });
});

describe("target labels", () => {
  test("instance is host:port, with the scheme's default port", () => {
    assert.equal(instanceOf("http://web-1:9100/metrics"), "web-1:9100");
    assert.equal(instanceOf("http://web-1/metrics"), "web-1:80");
    assert.equal(instanceOf("https://web-1/metrics"), "web-1:443");
    assert.equal(instanceOf("http://[::1]:9100/metrics"), "[::1]:9100");
  });

  test("clashes keep the scraped value under exported_, again prefixed if taken", () => {
    const target = { job: "web", instance: "h:1" };
    assert.deepEqual(
      withTargetLabels({ job: "a", exported_job: "b", mode: "", __name__: "x", path: "/" }, target),
      { exported_job: "b", path: "/", job: "web", instance: "h:1", exported_exported_job: "a" },
    );
  });
});
