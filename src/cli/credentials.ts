/**
 * Where `unyo login` keeps its tokens: $XDG_CONFIG_HOME/unyo/credentials.json (default
 * ~/.config/unyo), one entry per server URL, readable by the owner only (0600 in a 0700
 * folder) — the same care ssh takes with its keys.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface SavedLogin {
  token: string;
  tokenName: string;
  username: string;
  expiresAt: string | null;
}

type CredentialsFile = { servers: Record<string, SavedLogin> };

export function credentialsPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "unyo", "credentials.json");
}

/** The server URL a remote command talks to: --url, then UNYO_URL, then the local default. */
export function serverUrl(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): string {
  return (flag || env.UNYO_URL || "http://127.0.0.1:8080").replace(/\/+$/, "");
}

function read(path: string): CredentialsFile {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as CredentialsFile;
    return parsed && typeof parsed.servers === "object" ? parsed : { servers: {} };
  } catch {
    return { servers: {} };
  }
}

function write(path: string, file: CredentialsFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export function loadLogin(
  env: Record<string, string | undefined>,
  url: string,
): SavedLogin | undefined {
  return read(credentialsPath(env)).servers[url];
}

export function saveLogin(
  env: Record<string, string | undefined>,
  url: string,
  login: SavedLogin,
): void {
  const path = credentialsPath(env);
  const file = read(path);
  file.servers[url] = login;
  write(path, file);
}

export function forgetLogin(env: Record<string, string | undefined>, url: string): boolean {
  const path = credentialsPath(env);
  const file = read(path);
  if (!file.servers[url]) return false;
  delete file.servers[url];
  write(path, file);
  return true;
}
