/**
 * The built-in host collector: CPU, memory, disk per mount, load, network and uptime of the
 * machine Unyo runs on, read straight from Linux /proc (no dependencies, no child processes).
 *
 * Metrics (all gauges unless noted):
 * - host_cpu_percent: share of CPU time (all CPUs together) not spent idle or in iowait since the
 *   previous collect(). The FIRST collect() has no window to measure, so it returns no
 *   host_cpu_percent; nor does a collect whose counters did not advance or went backwards.
 * - host_cpu_count: the number of "cpuN" lines in /proc/stat (CPUs online).
 * - host_memory_used_percent = (MemTotal - MemAvailable) / MemTotal * 100, with
 *   host_memory_total_bytes and host_memory_available_bytes. Kernels older than 3.14 have no
 *   MemAvailable; there it is estimated as MemFree + Buffers + Cached.
 * - host_swap_used_percent = (SwapTotal - SwapFree) / SwapTotal * 100, 0 without swap.
 * - host_disk_used_percent{mount,device,fstype} = used / (used + bavail) * 100 with
 *   used = blocks - bfree, as df computes "Capacity" (blocks reserved for root count neither as
 *   used nor as available); host_disk_free_bytes (bavail: what unprivileged users may still
 *   write, df's "Available") and host_disk_total_bytes (blocks * bsize).
 *   Only local, disk-backed filesystems are measured (DISK_FSTYPES); pseudo and memory
 *   filesystems (proc, sysfs, tmpfs, devtmpfs, cgroup, ...) are skipped, and so are network
 *   filesystems (nfs, cifs, ...) because statfs on an unreachable server can block for minutes.
 *   overlay is kept only when mounted at "/", where it is the root of a container; elsewhere
 *   it is a container's layer on the host (/var/lib/docker/...), counted by its backing disk.
 *   A mount point mounted over keeps only its top mount; a device mounted at several points
 *   (bind mounts, btrfs subvolumes) is reported once, at its shortest mount point.
 * - host_load1, host_load5, host_load15: /proc/loadavg.
 * - host_network_receive_bytes_per_second{interface} and _transmit_: from the byte counters'
 *   change since the previous collect() over the time between them (options.now). Not on the
 *   first collect; an interface whose counters went backwards (wrap, driver reset, interface
 *   re-created) or that is new is skipped for that round. Loopback "lo" is never reported.
 * - host_network_receive_errors_total{interface}, host_network_transmit_errors_total (counters).
 * - host_uptime_seconds: /proc/uptime.
 *
 * A file that cannot be read or parsed (not Linux, a container without /proc/net, a statfs
 * that fails) never makes collect() throw: its metrics are left out and lastProblems says why.
 */
import { statfs as fsStatfs, readFile } from "node:fs/promises";

export interface HostSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface StatfsResult {
  blocks: number;
  bfree: number;
  bavail: number;
  bsize: number;
}

export interface HostCollectorOptions {
  /** Where /proc is mounted; default "/proc". */
  procRoot?: string;
  /** Milliseconds clock for network rates; default Date.now. */
  now?: () => number;
  /** default node:fs/promises statfs */
  statfs?: (path: string) => Promise<StatfsResult>;
}

/** Filesystem types measured as disks; overlay only at "/". */
export const DISK_FSTYPES: ReadonlySet<string> = new Set(
  [
    "ext2 ext3 ext4 xfs btrfs bcachefs zfs f2fs jfs reiserfs",
    "vfat exfat ntfs ntfs3 fuseblk overlay",
  ]
    .join(" ")
    .split(" "),
);

interface CpuTicks {
  total: number;
  idle: number;
}

interface NetCounters {
  rx: number;
  tx: number;
}

interface Mount {
  device: string;
  mount: string;
  fstype: string;
}

const sample = (name: string, value: number, labels: Record<string, string> = {}): HostSample => ({
  name,
  labels,
  value,
});

const reason = (error: unknown) =>
  error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);

/** A finite number, or an Error naming what was expected. */
function num(text: string | undefined, what: string): number {
  const value = Number(text);
  if (text === undefined || text === "" || !Number.isFinite(value)) {
    throw new Error(`unexpected ${what}: ${JSON.stringify(text ?? null)}`);
  }
  return value;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal (\040 ...). */
const unescapeMount = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );

export class HostCollector {
  /** Why metrics were left out of the latest collect(); empty when everything was read. */
  lastProblems: string[] = [];

  readonly #procRoot: string;
  readonly #now: () => number;
  readonly #statfs: (path: string) => Promise<StatfsResult>;
  #previousCpu: CpuTicks | undefined;
  #previousNet: { at: number; counters: Map<string, NetCounters> } | undefined;

  constructor(options: HostCollectorOptions = {}) {
    this.#procRoot = (options.procRoot ?? "/proc").replace(/\/+$/, "");
    this.#now = options.now ?? Date.now;
    this.#statfs = options.statfs ?? ((path) => fsStatfs(path));
  }

  async collect(): Promise<HostSample[]> {
    const problems: string[] = [];
    const parts = await Promise.all([
      this.#section("cpu", problems, () => this.#cpu()),
      this.#section("memory", problems, () => this.#memory()),
      this.#section("disk", problems, () => this.#disks(problems)),
      this.#section("load", problems, () => this.#load()),
      this.#section("network", problems, () => this.#network()),
      this.#section("uptime", problems, () => this.#uptime()),
    ]);
    this.lastProblems = problems;
    return parts.flat();
  }

  async #section(
    what: string,
    problems: string[],
    read: () => Promise<HostSample[]>,
  ): Promise<HostSample[]> {
    try {
      return await read();
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  async #read(relative: string): Promise<string> {
    const path = `${this.#procRoot}/${relative}`;
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      throw new Error(`cannot read ${path}: ${reason(error)}`);
    }
  }

  async #cpu(): Promise<HostSample[]> {
    const lines = (await this.#read("stat")).split("\n");
    const all = lines.find((line) => /^cpu\s/.test(line));
    if (all === undefined) throw new Error(`no "cpu" line in ${this.#procRoot}/stat`);
    // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already
    // included in user and nice, so it is not added again.
    const fields = all.trim().split(/\s+/).slice(1, 9);
    if (fields.length < 4) throw new Error(`short "cpu" line in ${this.#procRoot}/stat`);
    const ticks = fields.map((field) => num(field, "CPU tick count"));
    const total = ticks.reduce((sum, value) => sum + value, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    const samples = [
      sample("host_cpu_count", lines.filter((line) => /^cpu\d+\s/.test(line)).length),
    ];
    const previous = this.#previousCpu;
    this.#previousCpu = { total, idle };
    if (previous !== undefined) {
      const dTotal = total - previous.total;
      const dIdle = idle - previous.idle;
      // iowait may step backwards on some kernels: the share is clamped to 0..100.
      if (dTotal > 0) {
        const busy = Math.min(100, Math.max(0, ((dTotal - dIdle) / dTotal) * 100));
        samples.push(sample("host_cpu_percent", busy));
      }
    }
    return samples;
  }

  async #memory(): Promise<HostSample[]> {
    const kib = new Map<string, number>();
    for (const line of (await this.#read("meminfo")).split("\n")) {
      const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
      if (match?.[1] !== undefined) kib.set(match[1], Number(match[2]));
    }
    const total = kib.get("MemTotal");
    if (total === undefined || total <= 0) throw new Error("no MemTotal in meminfo");
    const available =
      kib.get("MemAvailable") ??
      (kib.get("MemFree") ?? 0) + (kib.get("Buffers") ?? 0) + (kib.get("Cached") ?? 0);
    const swapTotal = kib.get("SwapTotal") ?? 0;
    const swapFree = kib.get("SwapFree") ?? 0;
    return [
      sample("host_memory_used_percent", ((total - available) / total) * 100),
      sample("host_memory_total_bytes", total * 1024),
      sample("host_memory_available_bytes", available * 1024),
      sample(
        "host_swap_used_percent",
        swapTotal > 0 ? ((swapTotal - swapFree) / swapTotal) * 100 : 0,
      ),
    ];
  }

  async #mounts(): Promise<Mount[]> {
    let text: string;
    try {
      text = await this.#read("self/mounts");
    } catch {
      text = await this.#read("mounts");
    }
    // A later mount at the same point hides the earlier one: keep the top of each mount point.
    const byPoint = new Map<string, Mount>();
    for (const line of text.split("\n")) {
      const [device, mount, fstype] = line.split(" ");
      if (device === undefined || mount === undefined || fstype === undefined) continue;
      const entry = { device: unescapeMount(device), mount: unescapeMount(mount), fstype };
      byPoint.delete(entry.mount);
      byPoint.set(entry.mount, entry);
    }
    const byDevice = new Map<string, Mount>();
    for (const entry of byPoint.values()) {
      if (!DISK_FSTYPES.has(entry.fstype)) continue;
      if (entry.fstype === "overlay" && entry.mount !== "/") continue;
      const seen = byDevice.get(entry.device);
      if (seen === undefined || entry.mount.length < seen.mount.length) {
        byDevice.set(entry.device, entry);
      }
    }
    return [...byDevice.values()].sort((a, b) => a.mount.localeCompare(b.mount));
  }

  async #disks(problems: string[]): Promise<HostSample[]> {
    const mounts = await this.#mounts();
    const results = await Promise.all(
      mounts.map(async (entry) => {
        try {
          return { entry, fs: await this.#statfs(entry.mount) };
        } catch (error) {
          problems.push(`disk: statfs ${entry.mount} failed: ${reason(error)}`);
          return undefined;
        }
      }),
    );
    const samples: HostSample[] = [];
    for (const result of results) {
      if (result === undefined || result.fs.blocks <= 0) continue;
      const { entry, fs } = result;
      const labels = { mount: entry.mount, device: entry.device, fstype: entry.fstype };
      const used = fs.blocks - fs.bfree;
      const usable = used + fs.bavail;
      samples.push(
        sample("host_disk_used_percent", usable > 0 ? (used / usable) * 100 : 0, labels),
        sample("host_disk_free_bytes", fs.bavail * fs.bsize, { ...labels }),
        sample("host_disk_total_bytes", fs.blocks * fs.bsize, { ...labels }),
      );
    }
    return samples;
  }

  async #load(): Promise<HostSample[]> {
    const [one, five, fifteen] = (await this.#read("loadavg")).trim().split(/\s+/);
    return [
      sample("host_load1", num(one, "load average")),
      sample("host_load5", num(five, "load average")),
      sample("host_load15", num(fifteen, "load average")),
    ];
  }

  async #network(): Promise<HostSample[]> {
    const text = await this.#read("net/dev");
    const at = this.#now();
    const counters = new Map<string, NetCounters>();
    const samples: HostSample[] = [];
    // Two header lines, then "iface: rx bytes packets errs drop fifo frame compressed multicast
    // tx bytes packets errs drop fifo colls carrier compressed".
    for (const line of text.split("\n").slice(2)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      if (name === "lo" || name === "") continue;
      const fields = line
        .slice(colon + 1)
        .trim()
        .split(/\s+/);
      const rx = num(fields[0], `receive bytes of ${name}`);
      const tx = num(fields[8], `transmit bytes of ${name}`);
      counters.set(name, { rx, tx });
      samples.push(
        sample("host_network_receive_errors_total", num(fields[2], "errors"), { interface: name }),
        sample("host_network_transmit_errors_total", num(fields[10], "errors"), {
          interface: name,
        }),
      );
    }
    const previous = this.#previousNet;
    this.#previousNet = { at, counters };
    const seconds = previous === undefined ? 0 : (at - previous.at) / 1000;
    if (previous === undefined || seconds <= 0) return samples;
    for (const [name, now] of counters) {
      const before = previous.counters.get(name);
      if (before === undefined || now.rx < before.rx || now.tx < before.tx) continue;
      samples.push(
        sample("host_network_receive_bytes_per_second", (now.rx - before.rx) / seconds, {
          interface: name,
        }),
        sample("host_network_transmit_bytes_per_second", (now.tx - before.tx) / seconds, {
          interface: name,
        }),
      );
    }
    return samples;
  }

  async #uptime(): Promise<HostSample[]> {
    const [seconds] = (await this.#read("uptime")).trim().split(/\s+/);
    return [sample("host_uptime_seconds", num(seconds, "uptime"))];
  }
}
