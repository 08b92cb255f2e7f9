import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import {
  HostCollector,
  type HostSample,
  type StatfsResult,
} from "../../src/metrics/host-collector.ts";

/** The one sample with this name (and these labels, if given). */
function one(samples: HostSample[], name: string, labels?: Record<string, string>): HostSample {
  const found = samples.filter(
    (s) =>
      s.name === name &&
      (labels === undefined || Object.entries(labels).every(([k, v]) => s.labels[k] === v)),
  );
  assert.equal(found.length, 1, `expected one ${name} ${JSON.stringify(labels ?? {})}`);
  return found[0] as HostSample;
}
const named = (samples: HostSample[], name: string) => samples.filter((s) => s.name === name);
const near = (actual: number, expected: number, message?: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, message ?? `${actual} ≠ ${expected}`);

describe("HostCollector on this machine's /proc", { skip: process.platform !== "linux" }, () => {
  test("two collects 200 ms apart give sane values", async () => {
    const collector = new HostCollector();
    const first = await collector.collect();
    assert.equal(named(first, "host_cpu_percent").length, 0, "no CPU window on the first collect");
    await sleep(200);
    const samples = await collector.collect();
    assert.deepEqual(collector.lastProblems, []);

    const cpu = one(samples, "host_cpu_percent").value;
    assert.ok(cpu >= 0 && cpu <= 100, `cpu ${cpu}`);
    assert.ok(one(samples, "host_cpu_count").value >= 1);

    const memory = one(samples, "host_memory_used_percent").value;
    assert.ok(memory > 0 && memory < 100, `memory ${memory}`);
    const memTotal = /^MemTotal:\s+(\d+) kB$/m.exec(await readFile("/proc/meminfo", "utf8"));
    assert.equal(one(samples, "host_memory_total_bytes").value, Number(memTotal?.[1]) * 1024);
    const swap = one(samples, "host_swap_used_percent").value;
    assert.ok(swap >= 0 && swap <= 100);

    const root = one(samples, "host_disk_used_percent", { mount: "/" });
    assert.ok(root.value > 0 && root.value < 100, `root disk ${root.value}`);
    const { stdout } = await promisify(execFile)("df", ["-P", "/"]);
    const columns = stdout.trim().split("\n").at(-1)?.split(/\s+/) ?? [];
    const [used, available] = [Number(columns[2]), Number(columns[3])];
    const dfPercent = (used / (used + available)) * 100;
    assert.ok(Math.abs(root.value - dfPercent) <= 1, `ours ${root.value}, df ${dfPercent}`);
    const capacity = Number(columns[4]?.replace("%", ""));
    assert.ok(Math.abs(root.value - capacity) <= 1, `ours ${root.value}, df says ${capacity}%`);
    assert.ok(one(samples, "host_disk_total_bytes", { mount: "/" }).value > 0);

    for (const name of ["host_load1", "host_load5", "host_load15"]) {
      assert.ok(one(samples, name).value >= 0);
    }
    assert.ok(one(samples, "host_uptime_seconds").value > 0);
    for (const rate of named(samples, "host_network_receive_bytes_per_second")) {
      assert.ok(rate.value >= 0 && rate.labels.interface !== "lo");
    }
  });
});

describe("HostCollector on a fixture /proc", () => {
  let proc: string;
  let clock = 0;
  const statfsCalls: string[] = [];
  const filesystems: Record<string, StatfsResult> = {
    "/": { blocks: 1000, bfree: 300, bavail: 250, bsize: 4096 },
    "/mnt/my data": { blocks: 2000, bfree: 2000, bavail: 2000, bsize: 1024 },
  };
  const statfs = async (path: string) => {
    statfsCalls.push(path);
    const fs = filesystems[path];
    if (fs === undefined) throw Object.assign(new Error("gone"), { code: "EIO" });
    return fs;
  };
  const write = (name: string, text: string) => writeFile(join(proc, name), text);
  const netDev = (rows: string[]) =>
    [
      "Inter-|   Receive                                                |  Transmit",
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
      "    lo: 999999 10 0 0 0 0 0 0 999999 10 0 0 0 0 0 0",
      ...rows,
      "",
    ].join("\n");
  // rx bytes, rx errs, tx bytes, tx errs
  const iface = (name: string, rx: number, rxErr: number, tx: number, txErr: number) =>
    `${name.padStart(6)}: ${rx} 10 ${rxErr} 0 0 0 0 0 ${tx} 20 ${txErr} 0 0 0 0 0`;

  before(async () => {
    proc = await mkdtemp(join(tmpdir(), "unyo-proc-"));
    await mkdir(join(proc, "self"));
    await mkdir(join(proc, "net"));
    await write(
      "stat",
      "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n" +
        "cpu1 50 0 25 400 25 0 0 0 0 0\nintr 12345\nctxt 999\n",
    );
    await write(
      "meminfo",
      "MemTotal:        1000000 kB\nMemFree:          100000 kB\nMemAvailable:     250000 kB\n" +
        "Buffers:           10000 kB\nCached:            50000 kB\nSwapTotal:          2000 kB\n" +
        "SwapFree:            500 kB\nHugePages_Total:       0\n",
    );
    await write(
      "self/mounts",
      [
        "/dev/sda1 / ext4 rw,relatime 0 0",
        "proc /proc proc rw 0 0",
        "tmpfs /run tmpfs rw 0 0",
        "/dev/sda1 /var/lib/docker ext4 rw 0 0",
        "/dev/sdb1 /mnt/my\\040data xfs rw 0 0",
        "overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0",
        "server:/export /mnt/nfs nfs4 rw 0 0",
        "/dev/sdc1 /hidden ext4 rw 0 0",
        "tmpfs /hidden tmpfs rw 0 0",
        "/dev/sdd1 /broken ext4 rw 0 0",
        "",
      ].join("\n"),
    );
    await write("loadavg", "0.50 1.25 2.00 1/100 1234\n");
    await write("uptime", "12345.67 9999.00\n");
    await write(
      "net/dev",
      netDev([iface("eth0", 1000, 2, 5000, 1), iface("wlan0", 100, 0, 100, 0)]),
    );
  });
  after(() => rm(proc, { recursive: true, force: true }));

  test("computes exact values, CPU and network from deltas", async () => {
    const collector = new HostCollector({ procRoot: proc, now: () => clock, statfs });
    clock = 10_000;
    const first = await collector.collect();
    assert.deepEqual(collector.lastProblems, ["disk: statfs /broken failed: EIO"]);
    assert.equal(named(first, "host_cpu_percent").length, 0);
    assert.equal(named(first, "host_network_receive_bytes_per_second").length, 0);
    assert.equal(one(first, "host_cpu_count").value, 2);

    near(one(first, "host_memory_used_percent").value, 75);
    assert.equal(one(first, "host_memory_total_bytes").value, 1_024_000_000);
    assert.equal(one(first, "host_memory_available_bytes").value, 256_000_000);
    near(one(first, "host_swap_used_percent").value, 75);

    // Bind mount, hidden mount, pseudo, network and overlay-layer mounts are not measured.
    assert.deepEqual(statfsCalls.sort(), ["/", "/broken", "/mnt/my data"]);
    const rootLabels = { mount: "/", device: "/dev/sda1", fstype: "ext4" };
    assert.deepEqual(one(first, "host_disk_used_percent", { mount: "/" }).labels, rootLabels);
    near(one(first, "host_disk_used_percent", rootLabels).value, (700 / 950) * 100);
    assert.equal(one(first, "host_disk_free_bytes", rootLabels).value, 250 * 4096);
    assert.equal(one(first, "host_disk_total_bytes", rootLabels).value, 1000 * 4096);
    const data = { mount: "/mnt/my data", device: "/dev/sdb1", fstype: "xfs" };
    assert.equal(one(first, "host_disk_used_percent", data).value, 0);
    assert.equal(one(first, "host_disk_total_bytes", data).value, 2_048_000);
    assert.equal(named(first, "host_disk_total_bytes").length, 2);

    assert.deepEqual(
      ["host_load1", "host_load5", "host_load15"].map((n) => one(first, n).value),
      [0.5, 1.25, 2],
    );
    assert.equal(one(first, "host_uptime_seconds").value, 12345.67);
    assert.equal(one(first, "host_network_receive_errors_total", { interface: "eth0" }).value, 2);
    assert.equal(one(first, "host_network_transmit_errors_total", { interface: "eth0" }).value, 1);
    assert.equal(
      first.some((s) => s.labels.interface === "lo"),
      false,
    );

    // 2 s later: 800 more ticks of which 450 idle/iowait; eth0 moved 2000/4000 bytes; wlan0's
    // counters were reset; docker0 is new.
    await write("stat", "cpu  400 0 100 1200 100 0 0 0 0 0\ncpu0 1\ncpu1 1\n");
    await write(
      "net/dev",
      netDev([
        iface("eth0", 3000, 3, 9000, 1),
        iface("wlan0", 50, 0, 300, 0),
        iface("docker0", 7, 0, 7, 0),
      ]),
    );
    clock = 12_000;
    const second = await collector.collect();
    near(one(second, "host_cpu_percent").value, (350 / 800) * 100);
    const eth0 = { interface: "eth0" };
    assert.equal(one(second, "host_network_receive_bytes_per_second", eth0).value, 1000);
    assert.equal(one(second, "host_network_transmit_bytes_per_second", eth0).value, 2000);
    assert.equal(one(second, "host_network_receive_errors_total", eth0).value, 3);
    assert.deepEqual(
      named(second, "host_network_receive_bytes_per_second").map((s) => s.labels.interface),
      ["eth0"],
      "wlan0 (reset) and docker0 (new) wait one round",
    );

    // 0.5 s later: wlan0 is measured again from its post-reset counters.
    await write("stat", "cpu  400 0 100 1200 100 0 0 0 0 0\n");
    await write(
      "net/dev",
      netDev([iface("eth0", 3000, 3, 9000, 1), iface("wlan0", 150, 0, 400, 0)]),
    );
    clock = 12_500;
    const third = await collector.collect();
    const wlan0 = { interface: "wlan0" };
    assert.equal(one(third, "host_network_receive_bytes_per_second", wlan0).value, 200);
    assert.equal(one(third, "host_network_transmit_bytes_per_second", wlan0).value, 200);
    assert.equal(one(third, "host_network_receive_bytes_per_second", eth0).value, 0);
    assert.equal(named(third, "host_cpu_percent").length, 0, "no ticks elapsed: no CPU sample");
  });

  test("missing or malformed files become problems, not exceptions", async () => {
    const empty = await mkdtemp(join(tmpdir(), "unyo-noproc-"));
    try {
      await writeFile(join(empty, "meminfo"), "MemTotal: 2048 kB\nMemFree: 1024 kB\n");
      await writeFile(join(empty, "loadavg"), "garbage\n");
      const collector = new HostCollector({ procRoot: `${empty}/`, statfs });
      const samples = await collector.collect();
      // Without MemAvailable (kernels < 3.14): MemFree + Buffers + Cached.
      near(one(samples, "host_memory_used_percent").value, 50);
      assert.equal(one(samples, "host_swap_used_percent").value, 0);
      assert.deepEqual(
        samples.map((s) => s.name).filter((n) => !n.startsWith("host_memory_")),
        ["host_swap_used_percent"],
      );
      const problems = collector.lastProblems;
      assert.equal(problems.length, 5, problems.join("\n"));
      for (const section of ["cpu", "disk", "network", "uptime"]) {
        const problem = problems.find((p) => p.startsWith(`${section}: cannot read`));
        assert.ok(problem?.includes("ENOENT"), `${section}: ${problem}`);
      }
      assert.ok(problems.includes('load: unexpected load average: "garbage"'), problems.join());
      assert.ok(problems.some((p) => p.includes(`${empty}/net/dev`)));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
