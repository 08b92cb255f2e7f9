import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server,
  type Socket,
} from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createServer as createTlsServer } from "node:tls";
import type { Observation } from "../../../src/checks/evaluate.ts";
import { probeHttp } from "../../../src/checks/http-probe.ts";
import {
  probeTls,
  type TlsCertificateInfo,
  type TlsProbeConfig,
  tlsProbeSchema,
} from "../../../src/checks/probes/tls.ts";
import type { ProbeContext, ProbeOutcome } from "../../../src/checks/probes/types.ts";

const DAY = 86_400_000;

function ctx(over: Partial<ProbeContext> = {}): ProbeContext {
  return { signal: new AbortController().signal, timeoutMs: 3000, baseUrl: "", ...over };
}

function observed(outcome: ProbeOutcome): Observation {
  if (!outcome.ok) assert.fail(`expected a handshake, got ${outcome.kind}: ${outcome.message}`);
  return outcome.observation;
}

function failed(outcome: ProbeOutcome): Extract<ProbeOutcome, { ok: false }> {
  if (outcome.ok) assert.fail(`expected a failure, got ${JSON.stringify(outcome.observation)}`);
  return outcome;
}

/** Certificates made with the openssl CLI: a test CA and leaves it signed, plus a self-signed one. */
function makeCertificates(dir: string) {
  const path = (name: string) => join(dir, name);
  const config = path("openssl.cnf");
  // A minimal `openssl ca` setup, independent of the system's openssl.cnf.
  writeFileSync(
    config,
    `[req]
    distinguished_name = dn
    [dn]
    [ca]
    default_ca = test_ca
    [test_ca]
    database = ${path("index.txt")}
    new_certs_dir = ${dir}
    serial = ${path("serial")}
    default_md = sha256
    policy = any
    copy_extensions = copy
    unique_subject = no
    [any]
    commonName = supplied
    `,
  );
  writeFileSync(path("index.txt"), "");
  writeFileSync(path("serial"), "01\n");
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    ...["req", "-config", config, "-x509", ...newKey, "-subj", "/CN=Unyo Test CA", "-days", "30"],
    ...["-addext", "basicConstraints=critical,CA:TRUE"],
    ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    ...["-keyout", path("ca.key"), "-out", path("ca.pem")],
  );
  const leaf = (name: string, cn: string, san: string, dates: string[]) => {
    openssl(
      ...["req", "-config", config, ...newKey, "-subj", `/CN=${cn}`],
      ...["-addext", `subjectAltName=${san}`, "-keyout", path(`${name}.key`)],
      ...["-out", path(`${name}.csr`)],
    );
    openssl(
      ...["ca", "-batch", "-config", config, "-notext", "-cert", path("ca.pem")],
      ...["-keyfile", path("ca.key"), "-in", path(`${name}.csr`), "-out", path(`${name}.pem`)],
      ...dates,
    );
    return { key: readFileSync(path(`${name}.key`)), cert: readFileSync(path(`${name}.pem`)) };
  };
  const asn1 = (ms: number) => `${new Date(ms).toISOString().replace(/[-:T]|\.\d+/g, "")}`;
  const expiredEnd = new Date(Math.floor(Date.now() / 1000) * 1000 - 10 * DAY);
  const localhost = "DNS:localhost,IP:127.0.0.1";
  const good = leaf("good", "localhost", localhost, ["-days", "90"]);
  const expired = leaf("expired", "localhost", localhost, [
    ...["-startdate", asn1(expiredEnd.getTime() - 365 * DAY)],
    ...["-enddate", asn1(expiredEnd.getTime())],
  ]);
  const other = leaf("other", "other.example", "DNS:other.example,DNS:www.other.example", [
    ...["-days", "90"],
  ]);
  openssl(
    ...["req", "-config", config, "-x509", ...newKey, "-subj", "/CN=localhost", "-days", "30"],
    ...["-addext", `subjectAltName=${localhost}`],
    ...["-keyout", path("self.key"), "-out", path("self.pem")],
  );
  const self = { key: readFileSync(path("self.key")), cert: readFileSync(path("self.pem")) };
  return { ca: readFileSync(path("ca.pem"), "utf8"), good, expired, expiredEnd, other, self };
}

describe("probeTls", () => {
  let dir = "";
  let certs: ReturnType<typeof makeCertificates>;
  const servers: Server[] = [];
  /** Raw connections: test servers that never read would otherwise keep theirs open. */
  const sockets: Socket[] = [];
  const port: Record<string, number> = {};

  async function listen(name: string, server: Server): Promise<void> {
    servers.push(server);
    server.on("connection", (socket: Socket) => sockets.push(socket));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port[name] = (server.address() as AddressInfo).port;
  }

  const spec = (server: string, input: Record<string, unknown> = {}): TlsProbeConfig =>
    tlsProbeSchema.parse({ host: "127.0.0.1", port: port[server], ...input });
  const trusted = (server: string, input: Record<string, unknown> = {}) =>
    spec(server, { ca: certs.ca, ...input });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "unyo-tls-probe-"));
    certs = makeCertificates(dir);
    const serve = (pair: { key: Buffer; cert: Buffer | string }) =>
      createTlsServer(pair, (socket) => socket.end());
    await listen("good", serve(certs.good));
    await listen("chain", serve({ key: certs.good.key, cert: `${certs.good.cert}${certs.ca}` }));
    await listen("expired", serve(certs.expired));
    await listen("other", serve(certs.other));
    await listen("self", serve(certs.self));
    await listen(
      "plain",
      createNetServer((s) => s.end("HTTP/1.1 400 Bad Request\r\n\r\n")),
    );
    await listen(
      "silent",
      createNetServer(() => {}),
    );
    await listen(
      "https",
      createHttpsServer(certs.good, (_, res) => res.end("ok")),
    );
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    for (const server of servers) {
      server.close();
      await once(server, "close");
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test("a leaf of an unknown CA fails verification, naming the issuer", async () => {
    const outcome = failed(await probeTls(spec("good"), ctx()));
    assert.equal(outcome.kind, "tls");
    assert.match(outcome.message, /^unable to verify the certificate: its issuer CN=Unyo Test CA/);
  });

  test("a chain ending in an untrusted root says so", async () => {
    const outcome = failed(await probeTls(spec("chain"), ctx()));
    assert.equal(outcome.kind, "tls");
    assert.match(outcome.message, /^self-signed certificate in chain \(root CN=Unyo Test CA\)/);
  });

  test("without verify it reports the certificate, untrusted", async () => {
    const obs = observed(await probeTls(spec("good", { verify: false }), ctx()));
    const body = obs.body as TlsCertificateInfo;
    assert.equal(body.subject, "localhost");
    assert.equal(body.issuer, "Unyo Test CA");
    assert.deepEqual(body.san, ["localhost", "127.0.0.1"]);
    assert.equal(body.authorized, false);
    assert.equal(body.authorization_error, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    assert.equal(body.protocol, "TLSv1.3");
    assert.ok(body.days_left === 89 || body.days_left === 90, `days_left ${body.days_left}`);
    assert.match(body.valid_to, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(Math.abs((obs.certExpiresInMs ?? 0) - 90 * DAY) < 60_000);
    assert.equal(Date.parse(body.valid_to) - Date.parse(body.valid_from), 90 * DAY);
  });

  test("a trusted chain and the right name is authorized", async () => {
    for (const input of [{}, { servername: "localhost" }]) {
      const obs = observed(await probeTls(trusted("good", input), ctx()));
      const body = obs.body as TlsCertificateInfo;
      assert.equal(body.authorized, true);
      assert.equal(body.authorization_error, null);
    }
  });

  test("a trusted certificate for another name fails, listing its SAN", async () => {
    const wrongSni = failed(
      await probeTls(trusted("good", { servername: "wrong.example" }), ctx()),
    );
    assert.equal(wrongSni.kind, "tls");
    assert.equal(
      wrongSni.message,
      "host name wrong.example does not match the certificate (SAN: DNS:localhost, IP Address:127.0.0.1)",
    );
    const other = failed(await probeTls(trusted("other"), ctx()));
    assert.equal(
      other.message,
      "host name 127.0.0.1 does not match the certificate (SAN: DNS:other.example, DNS:www.other.example)",
    );
    const reported = observed(await probeTls(trusted("other", { verify: false }), ctx()));
    const body = reported.body as TlsCertificateInfo;
    assert.equal(body.authorized, false);
    assert.equal(body.authorization_error, "ERR_TLS_CERT_ALTNAME_INVALID");
    assert.deepEqual(body.san, ["other.example", "www.other.example"]);
  });

  test("a trusted but expired certificate fails with its end date", async () => {
    const outcome = failed(await probeTls(trusted("expired"), ctx()));
    assert.equal(outcome.kind, "tls");
    const validTo = certs.expiredEnd.toISOString().replace(".000Z", "Z");
    assert.equal(outcome.message, `certificate has expired (valid_to ${validTo})`);
  });

  test("without verify an expired certificate is ok, with a negative expiry", async () => {
    const obs = observed(await probeTls(trusted("expired", { verify: false }), ctx()));
    const body = obs.body as TlsCertificateInfo;
    assert.ok((obs.certExpiresInMs ?? 0) < -9 * DAY, `certExpiresInMs ${obs.certExpiresInMs}`);
    // Floored: ten days and a few seconds ago.
    assert.equal(body.days_left, -11);
    assert.equal(body.authorization_error, "CERT_HAS_EXPIRED");
  });

  test("a self-signed certificate fails verification, and is reported without", async () => {
    const outcome = failed(await probeTls(trusted("self"), ctx()));
    assert.equal(outcome.kind, "tls");
    assert.match(outcome.message, /^self-signed certificate \(CN=localhost\)/);
    const body = observed(await probeTls(spec("self", { verify: false }), ctx()))
      .body as TlsCertificateInfo;
    assert.equal(body.issuer, "localhost");
    assert.equal(body.authorization_error, "DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  test("a server that does not speak TLS is a tls failure", async () => {
    const outcome = failed(await probeTls(spec("plain"), ctx()));
    assert.equal(outcome.kind, "tls");
    assert.match(
      outcome.message,
      /^TLS handshake with 127\.0\.0\.1:\d+ failed: the server does not speak TLS on this port/,
    );
  });

  test("a refused port is connect, an unknown host dns", async () => {
    const refused = failed(await probeTls(spec("good", { port: 1 }), ctx()));
    assert.equal(refused.kind, "connect");
    assert.equal(refused.message, "connection refused by 127.0.0.1:1");
    const unknown = failed(await probeTls(spec("good", { host: "nonexistent.invalid" }), ctx()));
    assert.equal(unknown.kind, "dns");
  });

  test("a server that never handshakes times out; shutdown interrupts", async () => {
    const started = performance.now();
    const outcome = failed(await probeTls(spec("silent"), ctx({ timeoutMs: 200 })));
    assert.equal(outcome.kind, "timeout");
    assert.equal(outcome.message, "no TLS handshake within 200 ms");
    assert.ok(performance.now() - started < 1000);
    const shutdown = new AbortController();
    const pending = probeTls(spec("silent"), ctx({ signal: shutdown.signal }));
    setTimeout(() => shutdown.abort(), 30);
    assert.equal(failed(await pending).kind, "interrupted");
  });

  test("probeHttp reports certExpiresInMs for https", async () => {
    const outcome = await probeHttp(
      {
        url: `https://127.0.0.1:${port.https}/`,
        method: "GET",
        headers: {},
        followRedirects: true,
        tlsVerify: false,
        timeoutMs: 3000,
      },
      new AbortController().signal,
    );
    const obs = observed(outcome);
    assert.equal(obs.body, "ok");
    assert.ok(Math.abs((obs.certExpiresInMs ?? 0) - 90 * DAY) < 60_000);
  });
});

describe("tlsProbeSchema", () => {
  test("defaults: port 443, verify on, SNI from host", () => {
    assert.deepEqual(tlsProbeSchema.parse({ host: "shop.example" }), {
      host: "shop.example",
      port: 443,
      verify: true,
    });
  });

  test("rejects a ca that is not PEM certificates, bad ports and unknown keys", () => {
    const ca = tlsProbeSchema.safeParse({ host: "a", ca: "not a certificate" });
    assert.match(ca.error?.issues[0]?.message ?? "", /^expected PEM certificates/);
    const broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
    const bad = tlsProbeSchema.safeParse({ host: "a", ca: broken });
    assert.match(bad.error?.issues[0]?.message ?? "", /^certificate 1 of ca is not a valid/);
    const port = tlsProbeSchema.safeParse({ host: "a", port: 0 });
    assert.equal(
      port.error?.issues[0]?.message,
      "expected a port number from 1 to 65535, e.g. 5432",
    );
    const extra = tlsProbeSchema.safeParse({ host: "a", sni: "b" });
    assert.equal(extra.error?.issues[0]?.code, "unrecognized_keys");
  });
});
