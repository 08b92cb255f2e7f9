/**
 * A small typed in-process event bus. Capabilities publish what happened (a check changed
 * state, the config was reloaded); others subscribe (alerting, the UI stream) without the
 * publisher knowing them. Listener errors are reported, never thrown into the publisher.
 */
export type CheckState = "pending" | "up" | "down" | "degraded" | "late" | "paused" | "maintenance";

export type AlertStateName = "inactive" | "pending" | "firing";
export type AlertLevel = "warning" | "critical";

export interface UnyoEvents {
  "check.result": {
    checkId: string;
    at: number;
    ok: boolean;
    durationMs: number;
    errorKind: string | null;
    message: string | null;
  };
  "check.transition": {
    checkId: string;
    at: number;
    from: CheckState;
    to: CheckState;
    message: string | null;
  };
  /**
   * An alert of a threshold rule changed state or level (src/rules/). `labels` are the alert's
   * full labels (series, rule, alertname, severity of the new level); `annotations` are
   * rendered for the new state.
   */
  "alert.transition": {
    ruleId: string;
    ruleName: string;
    fingerprint: string;
    at: number;
    from: { state: AlertStateName; level: AlertLevel | null };
    to: { state: AlertStateName; level: AlertLevel | null };
    value: number;
    noData: boolean;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  /** A rule's evaluation started or stopped failing (remote down, bad expression at run time). */
  "rule.health": { ruleId: string; at: number; health: "ok" | "error"; error: string | null };
  "config.applied": { revision: string; at: number };
  "config.rejected": { revision: string; at: number; problems: number };
}

type Listener<T> = (payload: T) => void;

export class EventBus<Events extends object = UnyoEvents> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void = () => {}) {
    this.#onError = onError;
  }

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
