import type { z } from "zod";

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * The keys an object schema allows at a path of the data, used to suggest "did you mean …"
 * for unknown keys. Walks wrappers (optional, default, pipe), arrays, records and unions.
 */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const found = new Set<string>();
  const visit = (node: z.ZodType | undefined, i: number): void => {
    if (!node) return;
    const def = defOf(node);
    switch (def.type) {
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "readonly":
      case "catch":
      case "nonoptional":
        visit(def.innerType, i);
        return;
      case "pipe":
        visit(def.in, i);
        return;
      case "union":
        for (const option of def.options ?? []) visit(option, i);
        return;
      case "intersection":
        visit(def.left, i);
        visit(def.right, i);
        return;
    }
    if (i === path.length) {
      if (def.type === "object") for (const key of Object.keys(def.shape ?? {})) found.add(key);
      return;
    }
    const step = path[i];
    if (def.type === "object") visit(def.shape?.[String(step)], i + 1);
    else if (def.type === "array" && typeof step === "number") visit(def.element, i + 1);
    else if (def.type === "record") visit(def.valueType, i + 1);
  };
  visit(schema, 0);
  return [...found];
}
