import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import { SMTPServer } from "smtp-server";
import { emailChannel } from "../../src/notify/channels/email.ts";
import { sampleMessage } from "./helpers.ts";

interface Mail {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
}

const servers: SMTPServer[] = [];
after(() => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))));

/** A real SMTP server on a random port, accepting user "unyo" / "correct horse". */
async function smtp(options: { starttls?: boolean } = {}) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    logger: false,
    allowInsecureAuth: true,
    ...(options.starttls ? {} : { disabledCommands: ["STARTTLS"] }),
    onAuth(auth, _session, callback) {
      if (auth.username === "unyo" && auth.password === "correct horse")
        return callback(null, { user: auth.username });
      return callback(new Error("Authentication credentials invalid"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === "string" ? session.user : undefined,
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, mails };
}

/** The decoded text of each part of a multipart message, by content type. */
function parts(raw: string): Record<string, string> {
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(raw)?.[1];
  assert.ok(boundary, "a multipart message");
  const out: Record<string, string> = {};
  for (const part of raw.split(`--${boundary}`).slice(1, -1)) {
    const [head = "", ...rest] = part.replace(/^\r\n/, "").split("\r\n\r\n");
    const body = rest.join("\r\n\r\n");
    const type = /content-type:\s*([^;\r\n]+)/i.exec(head)?.[1]?.trim() ?? "";
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(head)?.[1]?.toLowerCase();
    out[type] =
      encoding === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : encoding === "quoted-printable"
          ? Buffer.from(
              body
                .replace(/=\r\n/g, "")
                .replace(/=([0-9A-F]{2})/g, (_m, h: string) =>
                  String.fromCharCode(Number.parseInt(h, 16)),
                ),
              "latin1",
            ).toString("utf8")
          : body;
  }
  return out;
}

const ctx = (key = "alert-9:mail") => ({
  signal: new AbortController().signal,
  idempotencyKey: key,
});

describe("email channel", () => {
  test("delivers text and HTML to every recipient, logged in", async () => {
    const server = await smtp();
    const channel = emailChannel({
      id: "mail-owners",
      host: "127.0.0.1",
      port: server.port,
      user: "unyo",
      password: "correct horse",
      from: "Unyo <unyo@example.com>",
      to: ["ops@example.com", "dev@example.com"],
    });
    const result = await channel.send(sampleMessage(), ctx());
    assert.deepEqual(result, { ok: true, status: 250 });

    assert.equal(server.mails.length, 1);
    const [mail] = server.mails;
    assert.ok(mail);
    assert.equal(mail.user, "unyo");
    assert.equal(mail.from, "unyo@example.com");
    assert.deepEqual(mail.to, ["ops@example.com", "dev@example.com"]);
    assert.match(mail.raw, /^Subject: \[FIRING\] \[CRITICAL\] API health check is down\r$/m);
    assert.match(mail.raw, /^X-Unyo-Idempotency-Key: alert-9:mail\r$/m);
    assert.match(mail.raw, /^Message-ID: <unyo\.[0-9a-f]{32}@example\.com>\r$/m);
    assert.match(mail.raw, /^Content-Type: multipart\/alternative;/m);
    const p = parts(mail.raw);
    assert.match(p["text/plain"] ?? "", /answered 503 three times in a row/);
    assert.match(
      p["text/plain"] ?? "",
      /Open in Unyo: https:\/\/unyo\.example\.com\/checks\/api-health/,
    );
    assert.match(
      p["text/html"] ?? "",
      /<h2>\[FIRING\] \[CRITICAL\] API health check is down<\/h2>/,
    );
    assert.match(
      p["text/html"] ?? "",
      /<a href="https:\/\/unyo\.example\.com\/checks\/api-health">Open in Unyo<\/a>/,
    );
  });

  test("the same idempotency key gives the same Message-ID; Japanese survives encoding", async () => {
    const server = await smtp();
    const channel = emailChannel({
      id: "m",
      host: "127.0.0.1",
      port: server.port,
      user: "unyo",
      password: "correct horse",
      from: "unyo@example.com",
      to: ["ops@example.com"],
    });
    const ja = sampleMessage({ lang: "ja", title: "APIヘルスチェック", text: "応答がありません" });
    await channel.send(ja, ctx("same"));
    await channel.send(ja, ctx("same"));
    const ids = server.mails.map((m) => /^Message-ID: (.*)\r$/m.exec(m.raw)?.[1]);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
    const p = parts(server.mails[0]?.raw ?? "");
    assert.match(
      p["text/plain"] ?? "",
      /^APIヘルスチェック\r\n重要度: 重大\r\n\r\n応答がありません/,
    );
    assert.match(p["text/html"] ?? "", /【発生】\[重大\] APIヘルスチェック/);
  });

  test("a wrong password is a clear, non-retryable authentication error", async () => {
    const server = await smtp();
    const result = await emailChannel({
      id: "m",
      host: "127.0.0.1",
      port: server.port,
      user: "unyo",
      password: "wrong",
      from: "unyo@example.com",
      to: ["ops@example.com"],
    }).send(sampleMessage(), ctx());
    assert.equal(result.ok, false);
    assert.equal(result.retryable, false);
    assert.equal(result.status, 535);
    assert.match(
      result.error ?? "",
      /^SMTP authentication failed for user "unyo" at 127\.0\.0\.1:\d+: 535 Authentication credentials invalid — check the user name and password$/,
    );
    assert.ok(!(result.error ?? "").includes("wrong"), "the password is not in the error");
    assert.equal(server.mails.length, 0);
  });

  test("STARTTLS with an untrusted certificate fails clearly unless told to accept it", async () => {
    const server = await smtp({ starttls: true });
    const config = {
      id: "m",
      host: "127.0.0.1",
      port: server.port,
      requireTls: true,
      user: "unyo",
      password: "correct horse",
      from: "unyo@example.com",
      to: ["ops@example.com"],
    };
    const refused = await emailChannel(config).send(sampleMessage(), ctx());
    assert.equal(refused.retryable, false);
    assert.match(refused.error ?? "", /^TLS with 127\.0\.0\.1:\d+ failed: .*certificate/);

    const accepted = await emailChannel({ ...config, rejectUnauthorized: false }).send(
      sampleMessage(),
      ctx(),
    );
    assert.equal(accepted.ok, true);
    assert.equal(server.mails.length, 1);
  });

  test("nobody listening is a retryable connection failure", async () => {
    const server = await smtp();
    const port = server.port;
    await new Promise<void>((r) => servers.pop()?.close(() => r()));
    const result = await emailChannel({
      id: "m",
      host: "127.0.0.1",
      port,
      from: "unyo@example.com",
      to: ["ops@example.com"],
    }).send(sampleMessage(), ctx());
    assert.equal(result.retryable, true);
    assert.match(result.error ?? "", /^cannot talk to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });
});
