import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Clock } from "../core/clock.ts";
import { isUnyoError } from "../core/errors.ts";
import type { Log } from "../log/logger.ts";
import { type Env, type LoadedConfig, loadConfigFile } from "./load.ts";
import type { ConfigProblem } from "./problems.ts";

export interface ReloadAttempt {
  at: number;
  outcome: "applied" | "rejected" | "unchanged";
  revision: string | null;
  problems: ConfigProblem[];
  /** Keys whose new values only take effect after a restart. */
  restartRequired: string[];
}

export interface ConfigReloaderOptions {
  file: string;
  env: Env;
  clock: Clock;
  log: Log;
  /** Applies a valid config to the running system. Throwing rejects the reload. */
  apply: (next: LoadedConfig, previous: LoadedConfig) => Promise<string[]>;
  /** Records every attempt (for the audit trail and status). */
  record?: (attempt: ReloadAttempt, file: string) => Promise<void>;
}

/**
 * Holds the running config and replaces it on SIGHUP or file change. A config that fails to
 * load or apply leaves the running one in place; the problems are logged and kept for
 * `/api/v1/status` until a later reload succeeds.
 */
export class ConfigReloader {
  #current: LoadedConfig;
  #appliedAt: number;
  #lastAttempt: ReloadAttempt | undefined;
  #lastFailure: ReloadAttempt | undefined;
  #watcher: FSWatcher | undefined;
  #debounce: (() => void) | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #opts: ConfigReloaderOptions;

  constructor(initial: LoadedConfig, options: ConfigReloaderOptions) {
    this.#current = initial;
    this.#opts = options;
    this.#appliedAt = options.clock.now();
  }

  get current(): LoadedConfig {
    return this.#current;
  }

  status() {
    return {
      file: resolve(this.#current.file),
      revision: this.#current.revision,
      appliedAt: this.#appliedAt,
      lastAttempt: this.#lastAttempt,
      /** Present while the file on disk is invalid and an older config is running. */
      errors: this.#lastFailure?.problems ?? [],
    };
  }

  /** Reloads now. Serialised, so overlapping triggers never apply out of order. */
  reload(reason: string): Promise<ReloadAttempt> {
    const next = this.#chain.then(() => this.#reload(reason));
    this.#chain = next.catch(() => {});
    return next;
  }

  /** Watches the file's folder: editors often replace a file rather than write it in place. */
  watch(): void {
    const path = resolve(this.#opts.file);
    const name = basename(path);
    try {
      this.#watcher = watch(dirname(path), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        this.#debounce?.();
        this.#debounce = this.#opts.clock.setTimer(200, () => {
          void this.reload("file changed");
        });
      });
      this.#watcher.on("error", (error) =>
        this.#opts.log.warn({ error }, "config file watch failed"),
      );
    } catch (error) {
      this.#opts.log.warn(
        { error, file: path },
        "cannot watch the config file; reload with SIGHUP",
      );
    }
  }

  close(): void {
    this.#debounce?.();
    this.#watcher?.close();
  }

  async #reload(reason: string): Promise<ReloadAttempt> {
    const { log, clock } = this.#opts;
    const at = clock.now();
    let attempt: ReloadAttempt;
    try {
      const result = await loadConfigFile(this.#opts.file, this.#opts.env);
      if (!result.ok) {
        attempt = {
          at,
          outcome: "rejected",
          revision: null,
          problems: result.problems,
          restartRequired: [],
        };
      } else if (result.value.revision === this.#current.revision) {
        attempt = {
          at,
          outcome: "unchanged",
          revision: result.value.revision,
          problems: [],
          restartRequired: [],
        };
        this.#lastFailure = undefined;
      } else {
        const previous = this.#current;
        const restartRequired = await this.#opts.apply(result.value, previous);
        this.#current = result.value;
        this.#appliedAt = at;
        this.#lastFailure = undefined;
        attempt = {
          at,
          outcome: "applied",
          revision: result.value.revision,
          problems: [],
          restartRequired,
        };
      }
    } catch (error) {
      const message = isUnyoError(error)
        ? error.message
        : `cannot apply: ${(error as Error).message}`;
      const problem = { file: this.#opts.file, line: 1, column: 1, path: "", message };
      attempt = {
        at,
        outcome: "rejected",
        revision: null,
        problems: [problem],
        restartRequired: [],
      };
    }
    this.#lastAttempt = attempt;
    if (attempt.outcome === "rejected") {
      this.#lastFailure = attempt;
      log.error(
        { reason, problems: attempt.problems, runningRevision: this.#current.revision },
        `config reload rejected (${attempt.problems.length} problem(s)); still running revision ${this.#current.revision}`,
      );
    } else if (attempt.outcome === "applied") {
      log.info(
        { reason, revision: attempt.revision, restartRequired: attempt.restartRequired },
        "config reloaded",
      );
    }
    if (attempt.outcome !== "unchanged") {
      await this.#opts.record?.(attempt, this.#opts.file).catch((error: unknown) => {
        log.warn({ error }, "could not record the config revision");
      });
    }
    return attempt;
  }
}
