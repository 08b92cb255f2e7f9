/**
 * Runs the rules of unyo.yaml: each on its own interval (fixed rate, start spread by id, no
 * drift, one shared concurrency cap), evaluated at its scheduled slot so results don't depend
 * on how late a timer fired. Each round queries the embedded store (or the rule's remote
 * PromQL back-end), moves every alert through the state machine, announces transitions on the
 * event bus ("alert.transition", the same bus check transitions use) and persists what
 * changed. A failed query leaves the alerts as they are and marks the rule unhealthy.
 */
import type { RuleConfig } from "../config/rules-schema.ts";
import type { Clock } from "../core/clock.ts";
import type { EventBus } from "../core/events.ts";
import { Scheduler } from "../core/scheduler.ts";
import type { Log } from "../log/logger.ts";
import type { InstantSample, InstantValue, SeriesReader } from "../metrics/series.ts";
import { INACTIVE } from "./alert-state.ts";
import { alertLabels, type CompiledRule, compileRule } from "./compiled-rule.ts";
import { evaluate } from "./expr/evaluate.ts";
import type { RuleRepository, RuleStatusRow, RuleWrite } from "./rule-repository.ts";
import { type AlertTransition, runRound, type TrackedAlert } from "./rule-round.ts";
import { formatNumber, type TemplateData } from "./template.ts";

/** A Prometheus-compatible API a rule can send PromQL to (src/rules/remote/). */
export interface RemoteQuery {
  query(promql: string, atMs: number, signal?: AbortSignal): Promise<InstantValue>;
}

export interface RuleServiceDeps {
  repository: RuleRepository;
  reader: SeriesReader;
  remote: (id: string) => RemoteQuery | undefined;
  clock: Clock;
  log: Log;
  bus: EventBus;
  /** Concurrent evaluations (remote queries wait on the network). */
  concurrency?: number;
}

interface RuleEntry {
  rule: CompiledRule;
  alerts: Map<string, TrackedAlert>;
  status: RuleStatusRow | null;
}

/** One rule as the API shows it. */
export interface RuleView {
  rule: RuleConfig;
  status: RuleStatusRow | null;
  nextEvalAt: number | null;
  alerts: (TrackedAlert & {
    labels: Record<string, string>;
    annotations: Record<string, string>;
  })[];
}

export class RuleService {
  readonly #deps: RuleServiceDeps;
  readonly #rules = new Map<string, RuleEntry>();
  readonly #scheduler: Scheduler;
  #pending: RuleWrite[] = [];
  #writing: Promise<void> | undefined;
  #loaded = false;
  #started = false;

  constructor(deps: RuleServiceDeps) {
    this.#deps = deps;
    this.#scheduler = new Scheduler({
      clock: deps.clock,
      concurrency: deps.concurrency ?? 16,
      onError: (key, error) => deps.log.error({ error, rule: key }, "rule evaluation failed"),
    });
  }

  /** Takes a new rule list (start-up and reload); alerts of unchanged rules carry over. */
  async apply(configs: readonly RuleConfig[]): Promise<void> {
    const stored = this.#loaded ? undefined : await this.#load();
    const next = new Set(configs.map((c) => c.id));
    const gone = [...this.#rules.keys()].filter((id) => !next.has(id));
    for (const id of gone) {
      this.#resolveAll(id, "the rule was removed from the configuration");
      this.#rules.delete(id);
      this.#scheduler.remove(id);
    }
    await this.flush();
    await this.#deps.repository.removeRules(gone);
    for (const config of configs) {
      const existing = this.#rules.get(config.id);
      const rule = compileRule(config);
      const entry: RuleEntry = existing
        ? { ...existing, rule }
        : {
            rule,
            alerts: stored?.alerts.get(config.id) ?? new Map(),
            status: stored?.status.get(config.id) ?? null,
          };
      this.#rules.set(config.id, entry);
      if (this.#started) this.#schedule(entry);
    }
  }

  start(): void {
    this.#started = true;
    for (const entry of this.#rules.values()) this.#schedule(entry);
  }

  async stop(): Promise<void> {
    this.#started = false;
    await this.#scheduler.stop(5000);
    await this.flush();
  }

  /** Evaluates one rule as of `at` (the scheduler passes its slot) and queues the writes. */
  async evaluate(id: string, at: number, signal?: AbortSignal): Promise<RuleStatusRow> {
    const entry = this.#rules.get(id);
    if (!entry) throw new Error(`unknown rule ${id}`);
    const { rule } = entry;
    const started = performance.now();
    let result: InstantSample[] | undefined;
    let error: string | null = null;
    try {
      result = await this.#query(rule, at, signal);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const status: RuleStatusRow = {
      ruleId: id,
      lastEvalAt: at,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      health: error === null ? "ok" : "error",
      lastError: error,
      series: result?.length ?? 0,
    };
    if (entry.status?.health !== status.health || entry.status?.lastError !== status.lastError) {
      this.#deps.bus.emit("rule.health", { ruleId: id, at, health: status.health, error });
    }
    entry.status = status;
    if (!result) {
      this.#queue({ ruleId: id, dirty: [], removed: [], transitions: [], status });
      return status;
    }
    const round = runRound(rule, result, entry.alerts, at);
    entry.alerts = round.alerts;
    for (const t of round.transitions) this.#announce(rule, t);
    this.#queue({ ruleId: id, ...round, status });
    return status;
  }

  /** Evaluates every rule once as of `at`, in order: the seed tests and the benchmark. */
  async evaluateAll(at: number): Promise<void> {
    for (const id of this.#rules.keys()) await this.evaluate(id, at);
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    while (this.#writing || this.#pending.length > 0) {
      if (this.#writing) await this.#writing;
      else this.#kickWrite();
    }
  }

  list(): RuleView[] {
    return [...this.#rules.values()].map((entry) => this.#view(entry));
  }

  get(id: string): RuleView | undefined {
    const entry = this.#rules.get(id);
    return entry ? this.#view(entry) : undefined;
  }

  async #query(rule: CompiledRule, at: number, signal?: AbortSignal): Promise<InstantSample[]> {
    const { config } = rule;
    let value: InstantValue;
    if (config.source !== undefined) {
      const remote = this.#deps.remote(config.source);
      if (!remote) throw new Error(`metrics.remote "${config.source}" is not configured`);
      value = await remote.query(config.expr, at, signal);
    } else {
      value = await evaluate(rule.expr as NonNullable<CompiledRule["expr"]>, this.#deps.reader, at);
    }
    if (value.kind === "scalar") {
      throw new Error("the expression gave one number, not series: select series by name");
    }
    return value.samples;
  }

  /** A removed rule's firing alerts are resolved (and said so), not silently dropped. */
  #resolveAll(id: string, reason: string): void {
    const entry = this.#rules.get(id);
    if (!entry) return;
    const at = this.#deps.clock.now();
    const transitions: AlertTransition[] = [];
    for (const alert of entry.alerts.values()) {
      if (alert.state !== "firing") continue;
      const to = { ...INACTIVE, holdingSince: {}, value: alert.value };
      transitions.push({
        fingerprint: alert.fingerprint,
        identity: alert.identity,
        at,
        from: alert,
        to,
      });
    }
    for (const t of transitions) this.#announce(entry.rule, t, reason);
    entry.alerts = new Map();
    this.#queue({ ruleId: id, dirty: [], removed: [], transitions });
  }

  #schedule(entry: RuleEntry): void {
    const { config } = entry.rule;
    if (config.paused) {
      this.#scheduler.remove(config.id);
      return;
    }
    this.#scheduler.upsert({
      key: config.id,
      intervalMs: config.every,
      run: async (signal, slot) => {
        await this.evaluate(config.id, slot, signal);
      },
    });
  }

  #announce(rule: CompiledRule, t: AlertTransition, reason?: string): void {
    const level = t.to.level ?? t.from.level;
    const labels = alertLabels(rule.config, t.identity, level);
    const annotations = renderAnnotations(rule, labels, level, t.to.value);
    if (reason) annotations.resolved_because = reason;
    // Pending is not news; firing, escalation and resolution are.
    if (t.to.state !== "pending" && !(t.from.state !== "firing" && t.to.state === "inactive")) {
      const what = t.to.state === "firing" ? `${t.to.level}` : "resolved";
      this.#deps.log[t.to.level === "critical" ? "warn" : "info"](
        {
          ruleId: rule.config.id,
          fingerprint: t.fingerprint,
          labels: t.identity,
          value: t.to.value,
          from: t.from.level,
          to: t.to.level,
        },
        `rule ${rule.config.id} ${what}${Object.keys(t.identity).length > 0 ? ` for ${formatIdentity(t.identity)}` : ""}`,
      );
    }
    this.#deps.bus.emit("alert.transition", {
      ruleId: rule.config.id,
      ruleName: rule.config.name ?? rule.config.id,
      fingerprint: t.fingerprint,
      at: t.at,
      from: { state: t.from.state, level: t.from.level },
      to: { state: t.to.state, level: t.to.level },
      value: t.to.value,
      noData: t.to.noData,
      labels,
      annotations,
    });
  }

  #view(entry: RuleEntry): RuleView {
    const { rule } = entry;
    return {
      rule: rule.config,
      status: entry.status,
      nextEvalAt: this.#scheduler.nextAt(rule.config.id) ?? null,
      alerts: [...entry.alerts.values()].map((a) => {
        const labels = alertLabels(rule.config, a.identity, a.level);
        return { ...a, labels, annotations: renderAnnotations(rule, labels, a.level, a.value) };
      }),
    };
  }

  #queue(write: RuleWrite): void {
    this.#pending.push(write);
    if (!this.#writing) queueMicrotask(() => this.#kickWrite());
  }

  #kickWrite(): void {
    if (this.#writing || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#writing = this.#deps.repository
      .write(batch)
      .catch((error: unknown) => this.#deps.log.error({ error }, "writing rule state failed"))
      .finally(() => {
        this.#writing = undefined;
        if (this.#pending.length > 0) this.#kickWrite();
      });
  }

  async #load() {
    this.#loaded = true;
    const [alerts, status] = await Promise.all([
      this.#deps.repository.loadAlerts(),
      this.#deps.repository.loadStatus(),
    ]);
    return { alerts, status };
  }
}

const formatIdentity = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(", ");

export function renderAnnotations(
  rule: CompiledRule,
  labels: Record<string, string>,
  level: string | null,
  value: number,
): Record<string, string> {
  const threshold =
    level === "warning" || level === "critical" ? (rule.policy.levels[level]?.text ?? "") : "";
  const data: TemplateData = {
    value,
    labels,
    level: level ?? "",
    rule: rule.config.name ?? rule.config.id,
    threshold,
  };
  const out: Record<string, string> = {};
  for (const [name, template] of rule.annotations) {
    try {
      out[name] = template(data);
    } catch {
      out[name] = `(template error) value ${formatNumber(value)}`;
    }
  }
  return out;
}
