import { z } from "zod";
import { buildConfigSchema } from "./schema.ts";

/**
 * The JSON Schema of unyo.yaml, for editors (yaml-language-server completion and inline
 * errors). Describes what people write — durations as text, secrets as text or { file }.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = buildConfigSchema({ baseDir: process.cwd(), readSecrets: false });
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-07", unrepresentable: "any" });
  return {
    ...json,
    $id: "https://unyo.dev/schema/unyo.schema.json",
    title: "Unyo configuration (unyo.yaml)",
    description: "One file states the operation; Unyo runs it. See docs/configuration.md.",
  };
}
