import { z } from "zod";
import { buildConfigSchema } from "./schema.ts";

/**
 * The JSON Schema of unyo.yaml, for editors (yaml-language-server completion and inline
 * errors). Describes what people write — durations as text, secrets as text or { file }.
 */
const REFERENCE_PATTERN = "^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$";

export function configJsonSchema(): Record<string, unknown> {
  const schema = buildConfigSchema({ baseDir: process.cwd(), readSecrets: false });
  const json = z.toJSONSchema(schema, {
    io: "input",
    target: "draft-07",
    unrepresentable: "any",
    // `port: ${UNYO_PORT:-8080}` is valid: a number or boolean may be written as a reference.
    override: ({ jsonSchema }) => {
      const type = jsonSchema.type;
      if (type !== "integer" && type !== "number" && type !== "boolean") return;
      const typed = { ...jsonSchema };
      for (const key of Object.keys(jsonSchema))
        delete (jsonSchema as Record<string, unknown>)[key];
      if (typed.default !== undefined) jsonSchema.default = typed.default;
      if (typed.description !== undefined) jsonSchema.description = typed.description;
      jsonSchema.anyOf = [typed, { type: "string", pattern: REFERENCE_PATTERN }];
    },
  });
  return {
    ...json,
    $id: "https://unyo.dev/schema/unyo.schema.json",
    title: "Unyo configuration (unyo.yaml)",
    description: "One file states the operation; Unyo runs it. See docs/configuration.md.",
  };
}
