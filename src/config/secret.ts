import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";

/** What schema pieces need to know about the file being loaded. */
export interface SchemaContext {
  /** Folder of the config file; relative paths in it resolve from here. */
  baseDir: string;
  /** When false, `{ file: … }` secrets are not read (for `unyo schema`). */
  readSecrets?: boolean;
}

/** A string that may instead be read from a file: `{ file: /run/secrets/x }`. */
export function secretSchema(ctx: SchemaContext) {
  return z
    .union([z.string(), z.strictObject({ file: z.string().min(1) })], {
      error: "expected a string or { file: /path/to/secret }",
    })
    .transform((value, t) => {
      if (typeof value === "string") return value;
      if (ctx.readSecrets === false) return "";
      const path = isAbsolute(value.file) ? value.file : resolve(ctx.baseDir, value.file);
      try {
        // Secret files conventionally end with a newline that is not part of the secret.
        return readFileSync(path, "utf8").replace(/\r?\n$/, "");
      } catch (error) {
        t.issues.push({
          code: "custom",
          input: value,
          message: `cannot read secret file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
        });
        return z.NEVER;
      }
    })
    .meta({ description: "A value, or { file: path } to read it from a secret file" });
}
