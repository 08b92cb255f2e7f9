import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { UnyoError } from "../core/errors.ts";

/** Which config file a command uses: the flag, then UNYO_CONFIG, then ./unyo.yaml. */
export function resolveConfigPath(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
): string {
  const chosen = flag ?? env.UNYO_CONFIG;
  if (chosen) return resolve(cwd, chosen);
  for (const name of ["unyo.yaml", "unyo.yml"]) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  throw new UnyoError(
    "UNYO_E_CONFIG_NOT_FOUND",
    `No configuration file: there is no unyo.yaml in ${cwd}.`,
    {
      hint: "Pass one with --config FILE or UNYO_CONFIG, or start from examples/demo/unyo.yaml.",
    },
  );
}

/** How to show a config path to a person: relative to where they are, when that is shorter. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
