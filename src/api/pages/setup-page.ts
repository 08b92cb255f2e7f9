/**
 * The one-time first-admin page behind the setup link. Self-contained (no external
 * assets), bilingual, and locked down by a Content-Security-Policy that allows only its
 * own inline script (by hash). The token travels in the URL fragment, which browsers never
 * send to the server, so it does not reach access logs or proxies.
 */
import { createHash } from "node:crypto";

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const out = $("result");
const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
let csrf = "";
const post = async (url, body) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(csrf ? { "x-csrf-token": csrf } : {}) },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || "HTTP " + response.status);
  return data;
};
if (!token) { out.textContent = "This link has no token. / リンクにトークンがありません。"; $("setup").hidden = true; }
$("setup").addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  if (data.get("password") !== data.get("confirm")) {
    out.textContent = "The passwords differ. / パスワードが一致しません。"; return;
  }
  try {
    const answer = await post("/api/v1/setup", { token, username: data.get("username"), password: data.get("password") });
    csrf = answer.csrf_token;
    history.replaceState(null, "", "/setup");
    $("setup").hidden = true;
    out.textContent = "Admin " + answer.user.username + " created. / 管理者を作成しました。";
    if (answer.restriction === "mfa_enrolment") {
      const enrol = await post("/api/v1/auth/mfa/totp");
      $("qr").innerHTML = enrol.qr_svg;
      $("secret").textContent = enrol.secret;
      $("mfa").hidden = false;
    }
  } catch (error) { out.textContent = error.message; }
});
$("mfa").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const answer = await post("/api/v1/auth/mfa/totp/confirm", { code: new FormData(event.target).get("code") });
    $("mfa").hidden = true;
    $("codes").textContent = answer.recovery_codes.join("\\n");
    $("done").hidden = false;
    out.textContent = "Two-factor authentication is on. / 二要素認証を有効にしました。";
  } catch (error) { out.textContent = error.message; }
});
`;

export const SETUP_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Unyo — first admin / 初期管理者</title>
<style>
body { font-family: system-ui, "Hiragino Sans", "Noto Sans JP", sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #1d2733; }
h1 { font-size: 1.4rem; } label { display: block; margin-top: 1rem; font-weight: 600; }
input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
button { margin-top: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; background: #2456a6; color: #fff; border: 0; border-radius: 4px; }
p.note { color: #556; font-size: .9rem; } .qr svg { width: 220px; height: 220px; }
h2 { font-size: 1.1rem; margin-top: 2rem; } pre { background: #f3f5f8; padding: 1rem; font-size: 1.05rem; } #result { margin-top: 1rem; font-weight: 600; }
</style>
</head>
<body>
<h1>Unyo 運用 — create the first admin / 初期管理者の作成</h1>
<p class="note">This link works once and expires. Passwords need 12+ characters with letters, digits and symbols.<br>
このリンクは一度だけ有効です。パスワードは12文字以上で、英字・数字・記号を含めてください。</p>
<form id="setup">
<label for="username">Username / ユーザー名</label>
<input id="username" name="username" autocomplete="username" required value="admin">
<label for="password">Password / パスワード</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8">
<label for="confirm">Password again / パスワード(確認)</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required>
<button type="submit">Create admin / 作成</button>
</form>
<form id="mfa" hidden>
<h2>Two-factor authentication / 二要素認証</h2>
<p class="note">Admins must use an authenticator app. Scan the code, then type the 6 digits it shows.<br>
管理者は認証アプリが必須です。QRコードを読み取り、表示された6桁を入力してください。</p>
<div id="qr" class="qr"></div>
<p class="note">Or enter this key / 手入力用キー: <code id="secret"></code></p>
<label for="code">Code / 確認コード</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required pattern="[0-9 ]{6,8}">
<button type="submit">Turn on / 有効にする</button>
</form>
<section id="done" hidden>
<h2>Recovery codes / リカバリーコード</h2>
<p class="note">Each works once if you lose your phone. Store them safely now; they are not shown again.<br>
端末を紛失したときに一度ずつ使えます。今すぐ安全な場所に保管してください(再表示されません)。</p>
<pre id="codes"></pre>
</section>
<p id="result" role="status"></p>
<script>${SCRIPT}</script>
</body>
</html>
`;

const scriptHash = createHash("sha256").update(SCRIPT, "utf8").digest("base64");

export const SETUP_PAGE_CSP = `default-src 'none'; script-src 'sha256-${scriptHash}'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;
