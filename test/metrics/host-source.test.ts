/**
 * HostSource: the host collector's samples reach the sink on schedule with the right labels and
 * timestamps — on this machine's real /proc, and with a scripted collector for the edge cases
 * (label precedence, overlapping collects, problems, reloads).
 */
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ManualClock } from "../../src/core/clock.ts";
import { createLogger } from "../../src/log/logger.ts";
import type { HostSample } from "../../src/metrics/host-collector.ts";
import { HostSource } from "../../src/metrics/host-source.ts";
import { RecordingSink } from "../helpers/recording-sink.ts";

const NOW = 1_700_000_000_000;

function logLines() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level: "debug",
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { log, lines };
}

/** A collector whose answers the test decides; collect() waits while `gate` is set. */
class ScriptedCollector {
  lastProblems: string[] = [];
  calls = 0;
  samples: HostSample[] = [{ name: "host_load1", labels: {}, value: 0.5 }];
  gate: Promise<void> | undefined;
  async collect(): Promise<HostSample[]> {
    this.calls++;
    await this.gate;
    return this.samples.map((s) => ({ ...s, labels: { ...s.labels } }));
  }
}

describe("HostSource on this machine's /proc", { skip: process.platform !== "linux" }, () => {
  test("collects at start and every `every`, labelled with the host name", async () => {
    const clock = new ManualClock(NOW);
    const sink = new RecordingSink();
    const source = new HostSource({ sink, clock, log: logLines().log });
    source.apply({ enabled: true, every: 1000, labels: { role: "db" } });
    source.start();
    await sink.waitForSamples("host_cpu_count", 1);
    const labels = { instance: hostname(), role: "db" };
    const count = sink.find("host_cpu_count")[0];
    assert.deepEqual(count?.labels, labels);
    assert.equal(count?.timestampMs, NOW);
    assert.equal(sink.find("host_cpu_percent").length, 0, "no CPU window on the first collect");
    const memory = sink.find("host_memory_used_percent")[0];
    assert.ok(memory && memory.value > 0 && memory.value < 100);
    assert.deepEqual(memory.labels, labels);
    const root = sink.find("host_disk_used_percent", { mount: "/" })[0];
    assert.ok(root, "a sample for the root filesystem");
    assert.deepEqual(Object.keys(root.labels).sort(), [
      "device",
      "fstype",
      "instance",
      "mount",
      "role",
    ]);
    assert.equal(source.status().nextCollectAt, NOW + 1000);

    await sleep(100); // let the CPU tick counters move
    clock.advance(1000);
    await sink.waitForSamples("host_cpu_percent", 1);
    const cpu = sink.find("host_cpu_percent")[0];
    assert.ok(cpu && cpu.value >= 0 && cpu.value <= 100, `cpu ${cpu?.value}`);
    assert.equal(cpu.timestampMs, NOW + 1000);
    assert.equal(sink.find("host_cpu_count").length, 2);
    await source.stop();
    clock.advance(5000);
    await sleep(20);
    assert.equal(sink.find("host_cpu_count").length, 2, "nothing after stop()");
  });
});

describe("HostSource", () => {
  test("a configured label may replace instance, never a collector label", async () => {
    const clock = new ManualClock(NOW);
    const sink = new RecordingSink();
    const collector = new ScriptedCollector();
    collector.samples = [{ name: "host_disk_used_percent", labels: { mount: "/" }, value: 42 }];
    const source = new HostSource({ sink, clock, log: logLines().log, collector });
    source.apply({ enabled: true, every: 1000, labels: { instance: "db-1", mount: "x" } });
    source.start();
    await sink.waitForSamples("host_disk_used_percent", 1);
    assert.deepEqual(sink.samples, [
      {
        name: "host_disk_used_percent",
        labels: { instance: "db-1", mount: "/" },
        value: 42,
        timestampMs: NOW,
      },
    ]);
    await source.stop();
  });

  test("a collect still running makes the next slot skipped", async () => {
    const clock = new ManualClock(NOW);
    const sink = new RecordingSink();
    const collector = new ScriptedCollector();
    let open = () => {};
    collector.gate = new Promise((resolve) => {
      open = resolve;
    });
    const source = new HostSource({ sink, clock, log: logLines().log, collector });
    source.apply({ enabled: true, every: 1000, labels: {} });
    source.start();
    clock.advance(1000);
    clock.advance(1000);
    assert.deepEqual([collector.calls, source.status().skipped], [1, 2]);
    collector.gate = undefined;
    open();
    await sink.waitForSamples("host_load1", 1);
    clock.advance(1000);
    await sink.waitForSamples("host_load1", 2);
    assert.deepEqual(
      sink.find("host_load1").map((s) => s.timestampMs),
      [NOW, NOW + 3000],
    );
    await source.stop();
  });

  test("apply(): disabled does nothing, enabling starts, a new every reschedules", async () => {
    const clock = new ManualClock(NOW);
    const sink = new RecordingSink();
    const collector = new ScriptedCollector();
    const source = new HostSource({ sink, clock, log: logLines().log, collector });
    source.apply({ enabled: false, every: 1000, labels: {} });
    source.start();
    clock.advance(5000);
    assert.equal(collector.calls, 0);
    assert.equal(source.status().nextCollectAt, null);

    source.apply({ enabled: true, every: 1000, labels: {} });
    await sink.waitForSamples("host_load1", 1);
    assert.equal(source.status().nextCollectAt, NOW + 6000);
    source.apply({ enabled: true, every: 2000, labels: { zone: "a" } });
    assert.equal(source.status().nextCollectAt, NOW + 7000);
    clock.advance(2000);
    await sink.waitForSamples("host_load1", 2);
    assert.deepEqual(sink.find("host_load1")[1]?.labels, { instance: hostname(), zone: "a" });
    assert.equal(sink.find("host_load1")[1]?.timestampMs, NOW + 7000);

    source.apply({ enabled: false, every: 2000, labels: {} });
    clock.advance(10_000);
    await sleep(10);
    assert.equal(collector.calls, 2);
    await source.stop();
  });

  test("problems are logged when they change, not at every collect", async () => {
    const clock = new ManualClock(NOW);
    const sink = new RecordingSink();
    const collector = new ScriptedCollector();
    collector.lastProblems = ["network: cannot read /proc/net/dev: ENOENT"];
    const { log, lines } = logLines();
    const source = new HostSource({ sink, clock, log, collector });
    source.apply({ enabled: true, every: 1000, labels: {} });
    source.start();
    for (let i = 1; i <= 3; i++) {
      await sink.waitForSamples("host_load1", i);
      clock.advance(1000);
    }
    collector.lastProblems = [];
    await sink.waitForSamples("host_load1", 4);
    await sleep(5);
    const messages = lines.map((l) => [l.level, l.message]);
    assert.deepEqual(messages, [
      ["WARNING", "host metrics: some could not be read"],
      ["INFO", "host metrics: all readable again"],
    ]);
    assert.deepEqual(source.status().problems, []);
    await source.stop();
  });
});
