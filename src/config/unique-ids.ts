/** Uniqueness checks for lists in the config: ids of checks, rules, scrape targets, remotes. */
import type { z } from "zod";

/**
 * Calls `repeat` for every item whose key an earlier item of the list already had, with the
 * index of that first item. Items whose key is undefined are skipped.
 */
export function eachRepeat<T>(
  items: readonly T[],
  keyOf: (item: T) => string | undefined,
  repeat: (key: string, index: number, first: number) => void,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (key === undefined) return;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else repeat(key, index, first);
  });
}

/**
 * Adds an issue at `[key, index, "id"]` for every item of `items` (the list under `key`)
 * reusing an earlier item's id: `duplicate <noun> "a" (first used by <key>[0]): ids must be
 * unique`.
 */
export function uniqueIds(
  items: readonly { id: string }[],
  key: string,
  t: z.RefinementCtx,
  noun = "id",
): void {
  eachRepeat(
    items,
    (item) => item.id,
    (id, index, first) =>
      t.addIssue({
        code: "custom",
        path: [key, index, "id"],
        message: `duplicate ${noun} "${id}" (first used by ${key}[${first}]): ids must be unique`,
      }),
  );
}
