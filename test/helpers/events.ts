import type { EventBus, UnyoEvents } from "../../src/core/events.ts";

/** Resolves with the first event matching `match`, or fails after timeoutMs. */
export function nextEvent<K extends keyof UnyoEvents>(
  bus: EventBus,
  name: K,
  match: (payload: UnyoEvents[K]) => boolean = () => true,
  timeoutMs = 3000,
): Promise<UnyoEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching ${String(name)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = bus.on(name, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}
