/**
 * Browser-like helpers for the authentication tests: log in, keep the session and CSRF
 * cookies, and send requests with them (adding the CSRF header to changes, like the UI does).
 */
import assert from "node:assert/strict";
import type { InjectOptions, LightMyRequestResponse } from "fastify";
import type { TestUnyo } from "./unyo.ts";

export interface Session {
  /** Value of the unyo_session cookie. */
  session: string;
  /** Value of the unyo_csrf cookie (also the csrf_token of the log-in answer). */
  csrf: string;
}

export interface SetCookie {
  name: string;
  value: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: string;
  expires?: Date;
  maxAge?: number;
  path?: string;
}

export function cookiesOf(res: LightMyRequestResponse): SetCookie[] {
  return res.cookies as SetCookie[];
}

export function cookieNamed(res: LightMyRequestResponse, name: string): SetCookie | undefined {
  return cookiesOf(res).find((c) => c.name === name);
}

/** The session a log-in (or setup, or password change) answer set; fails when there is none. */
export function sessionOf(res: LightMyRequestResponse): Session {
  const session = cookieNamed(res, "unyo_session")?.value;
  const csrf = cookieNamed(res, "unyo_csrf")?.value;
  assert.ok(session && csrf, `no session cookies in ${res.statusCode} ${res.body}`);
  return { session, csrf };
}

/** True when the answer tells the browser to drop the session cookie. */
export function clearsSession(res: LightMyRequestResponse): boolean {
  const c = cookieNamed(res, "unyo_session");
  if (!c) return false;
  return (
    c.value === "" && (c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() < 1000))
  );
}

export const errorCode = (res: LightMyRequestResponse): string | undefined =>
  (res.json() as { error?: { code?: string } }).error?.code;

export interface LoginOptions {
  code?: string;
  remoteAddress?: string;
}

/** POST /api/v1/auth/login without any credential. */
export function logIn(
  t: TestUnyo,
  username: string,
  password: string,
  options: LoginOptions = {},
): Promise<LightMyRequestResponse> {
  return t.unyo.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { username, password, ...(options.code === undefined ? {} : { code: options.code }) },
    ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
  });
}

/** Logs in and returns the session; fails unless the log-in succeeded. */
export async function logInOk(
  t: TestUnyo,
  username: string,
  password: string,
  options: LoginOptions = {},
): Promise<Session> {
  const res = await logIn(t, username, password, options);
  assert.equal(res.statusCode, 200, res.body);
  return sessionOf(res);
}

/**
 * A request with the session cookies, as a browser sends it; changes carry the CSRF header
 * unless `csrf` is false (or a string to send instead of the right token).
 */
export function asSession(
  t: TestUnyo,
  s: Session,
  options: InjectOptions,
  csrf: boolean | string = true,
): Promise<LightMyRequestResponse> {
  const method = (options.method ?? "GET").toUpperCase();
  const header =
    method === "GET" || csrf === false ? {} : { "x-csrf-token": csrf === true ? s.csrf : csrf };
  return t.unyo.app.inject({
    ...options,
    cookies: { unyo_session: s.session, unyo_csrf: s.csrf },
    headers: { ...header, ...options.headers },
  });
}

/** A request with `Authorization: Bearer <token>`. */
export function asToken(
  t: TestUnyo,
  token: string,
  options: InjectOptions,
): Promise<LightMyRequestResponse> {
  return t.unyo.app.inject({
    ...options,
    headers: { authorization: `Bearer ${token}`, ...options.headers },
  });
}

/** Creates a user through the API with the test's admin token. */
export async function addUser(
  t: TestUnyo,
  username: string,
  password: string,
  role: "viewer" | "operator" | "admin",
): Promise<void> {
  const res = await t.inject({
    method: "POST",
    url: "/api/v1/users",
    payload: { username, password, role },
  });
  assert.equal(res.statusCode, 201, res.body);
}
