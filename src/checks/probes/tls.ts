/**
 * The tls probe: a TLS handshake with host:port, then a look at the certificate the server
 * presented — who it is for, who issued it, when it expires, and whether it is trusted for
 * the name we asked for. `cert_expires_in` in `expect` judges the expiry.
 */
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import {
  checkServerIdentity,
  getCACertificates,
  type PeerCertificate,
  type TLSSocket,
  connect as tlsConnect,
} from "node:tls";
import { z } from "zod";
import { classifySocketError, formatTarget, hostSchema, portSchema } from "./tcp.ts";
import { abortedOutcome, attemptSignal, type Probe, type ProbeOutcome } from "./types.ts";

const DAY_MS = 86_400_000;

const CA_EXPECTED =
  'expected PEM certificates ("-----BEGIN CERTIFICATE-----" …), e.g. the contents of your internal CA\'s ca.pem';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

const caSchema = z.string({ error: CA_EXPECTED }).superRefine((text, t) => {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    t.addIssue({ code: "custom", message: CA_EXPECTED });
    return;
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      t.addIssue({
        code: "custom",
        message: `certificate ${index + 1} of ca is not a valid certificate (${(error as Error).message}): ${CA_EXPECTED}`,
      });
    }
  });
});

export const tlsProbeSchema = z.strictObject({
  host: hostSchema.meta({ description: "Host name or IP address to connect to" }),
  port: portSchema.default(443).meta({ description: "TCP port of the TLS service" }),
  servername: z
    .string({ error: "expected the host name to ask for (SNI), e.g. shop.example.com" })
    .trim()
    .min(1, { error: "expected the host name to ask for (SNI), e.g. shop.example.com" })
    .optional()
    .meta({
      description: "Host name sent as SNI and checked against the certificate (default: host)",
    }),
  verify: z.boolean({ error: "expected true or false" }).default(true).meta({
    description:
      "Fail when the certificate is not trusted, expired or for another name; false only reports",
  }),
  ca: caSchema.optional().meta({
    description:
      "Extra CA certificates to trust (PEM), in addition to the default ones, e.g. an internal CA",
  }),
});

export type TlsProbeConfig = z.output<typeof tlsProbeSchema>;

/** What a tls check's `body` holds. */
export interface TlsCertificateInfo {
  /** The leaf's common name. */
  subject: string;
  /** The issuer's common name, or its organization when it has none. */
  issuer: string;
  valid_from: string;
  valid_to: string;
  /** Subject alternative names: host names and IP addresses, without their DNS:/IP prefix. */
  san: string[];
  /** The chain is trusted and the certificate is for the name asked for. */
  authorized: boolean;
  /** Why not, as an OpenSSL/Node code such as CERT_HAS_EXPIRED; null when authorized. */
  authorization_error: string | null;
  protocol: string | null;
  days_left: number;
}

/**
 * Handshakes with host:port (verification is done here, after the handshake, so an
 * untrusted certificate can still be described). With `verify` a certificate that is not
 * trusted or not for the name is a "tls" failure; without it the probe always reports.
 */
export const probeTls: Probe<TlsProbeConfig> = (spec, ctx) => {
  const startedAt = performance.now();
  const signal = attemptSignal(ctx);
  if (signal.aborted) return Promise.resolve(abortedOutcome(ctx, startedAt));
  const target = formatTarget(spec.host, spec.port);
  const name = spec.servername ?? spec.host;
  const elapsed = () => Math.round(performance.now() - startedAt);

  return new Promise<ProbeOutcome>((resolve) => {
    const socket = tlsConnect({
      host: spec.host,
      port: spec.port,
      // RFC 6066: SNI carries host names only, never addresses.
      servername: isIP(name) ? undefined : name,
      rejectUnauthorized: false,
      // The name is checked below, to say precisely what did not match.
      checkServerIdentity: () => undefined,
      ...(spec.ca ? { ca: [...getCACertificates("default"), spec.ca] } : {}),
    });
    let connected = false;
    let done = false;

    const finish = (outcome: ProbeOutcome) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () =>
      finish(abortedOutcome(ctx, startedAt, connected ? "no TLS handshake" : "no connection"));
    signal.addEventListener("abort", onAbort, { once: true });

    socket.once("connect", () => {
      connected = true;
    });
    socket.once("secureConnect", () => finish(judge(socket, spec.verify, name, elapsed())));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const responseTimeMs = elapsed();
      if (!connected) {
        finish({ ok: false, ...classifySocketError(error, spec.host, target), responseTimeMs });
        return;
      }
      const why = handshakeError(error);
      finish({
        ok: false,
        kind: "tls",
        message: `TLS handshake with ${target} failed: ${why}`,
        responseTimeMs,
      });
    });
  });
};

function handshakeError(error: NodeJS.ErrnoException & { reason?: string }): string {
  const code = error.code ?? "";
  if (code === "ECONNRESET" || code === "EPIPE") {
    return `the server closed the connection (${code})`;
  }
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG") {
    return `the server does not speak TLS on this port (${error.reason ?? code})`;
  }
  // OpenSSL's own message is a long "error:0A00010B:SSL routines:…" line; its reason is not.
  if (error.reason) return code ? `${error.reason} (${code})` : error.reason;
  return error.message.trim();
}

function judge(
  socket: TLSSocket,
  verify: boolean,
  name: string,
  responseTimeMs: number,
): ProbeOutcome {
  const cert = socket.getPeerCertificate(true);
  if (!cert?.valid_to) {
    return { ok: false, kind: "tls", message: "the server sent no certificate", responseTimeMs };
  }
  const validFrom = new Date(cert.valid_from);
  const validTo = new Date(cert.valid_to);
  const certExpiresInMs = validTo.getTime() - Date.now();
  // authorizationError is an OpenSSL code (a string) despite its declared type.
  const chainError = socket.authorized ? null : String(socket.authorizationError);
  const nameError = checkServerIdentity(name, cert) as NodeJS.ErrnoException | undefined;
  if (verify && chainError) {
    return { ok: false, kind: "tls", message: chainMessage(chainError, cert), responseTimeMs };
  }
  if (verify && nameError) {
    const san = cert.subjectaltname ? `SAN: ${cert.subjectaltname}` : `no SAN, CN: ${cnOf(cert)}`;
    const message = `host name ${name} does not match the certificate (${san})`;
    return { ok: false, kind: "tls", message, responseTimeMs };
  }
  const body: TlsCertificateInfo = {
    subject: cnOf(cert),
    issuer: first(cert.issuer?.CN) ?? first(cert.issuer?.O) ?? "",
    valid_from: isoSeconds(validFrom),
    valid_to: isoSeconds(validTo),
    san: parseSan(cert.subjectaltname),
    authorized: !chainError && !nameError,
    authorization_error: chainError ?? (nameError ? (nameError.code ?? nameError.message) : null),
    protocol: socket.getProtocol(),
    days_left: Math.floor(certExpiresInMs / DAY_MS),
  };
  return { ok: true, observation: { responseTimeMs, certExpiresInMs, body } };
}

/** A precise sentence for an OpenSSL verification error code. */
function chainMessage(code: string, cert: PeerCertificate): string {
  const issuer = describeName(cert.issuer);
  switch (code) {
    case "CERT_HAS_EXPIRED":
      return `certificate has expired (valid_to ${isoSeconds(new Date(cert.valid_to))})`;
    case "CERT_NOT_YET_VALID":
      return `certificate is not yet valid (valid_from ${isoSeconds(new Date(cert.valid_from))})`;
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
      return `self-signed certificate (${describeName(cert.subject)}), not issued by a trusted CA`;
    case "SELF_SIGNED_CERT_IN_CHAIN":
      return `self-signed certificate in chain (root ${describeName(rootOf(cert).subject)}) is not trusted`;
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "UNABLE_TO_GET_ISSUER_CERT":
      return `unable to verify the certificate: its issuer ${issuer} is not trusted (unknown CA, or the server does not send the intermediate certificate)`;
    case "CERT_REVOKED":
      return "certificate has been revoked";
    case "CERT_SIGNATURE_FAILURE":
      return `certificate signature does not verify against its issuer ${issuer}`;
    case "INVALID_CA":
      return `an issuer in the chain (${issuer}) is not a valid CA certificate`;
    case "CERT_UNTRUSTED":
    case "CERT_REJECTED":
      return `certificate is not trusted (${code})`;
    default:
      return `certificate verification failed (${code})`;
  }
}

/** The last certificate of the chain the server sent. */
function rootOf(cert: PeerCertificate): PeerCertificate {
  let current = cert as PeerCertificate & { issuerCertificate?: PeerCertificate };
  for (let depth = 0; depth < 16; depth++) {
    const next = current.issuerCertificate as typeof current | undefined;
    if (!next || next === current || next.fingerprint256 === current.fingerprint256) break;
    current = next;
  }
  return current;
}

type DistinguishedName = Record<string, string | string[] | undefined> | undefined;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function cnOf(cert: PeerCertificate): string {
  return first((cert.subject as DistinguishedName)?.CN) ?? "";
}

/** `CN=Unyo Test CA`, or `O=…` when there is no common name. */
function describeName(dn: DistinguishedName): string {
  const cn = first(dn?.CN);
  if (cn) return `CN=${cn}`;
  const o = first(dn?.O);
  if (o) return `O=${o}`;
  return "(no name)";
}

/** 2026-01-01T00:00:00Z: certificate times have whole seconds. */
function isoSeconds(date: Date): string {
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().replace(".000Z", "Z");
}

/**
 * `DNS:a.example, IP Address:127.0.0.1` → ["a.example", "127.0.0.1"]. Node quotes a value
 * that contains a comma as a JSON string; other kinds (email:, URI:) keep their prefix.
 */
function parseSan(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const match of text.matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const kind = match[1] as string;
    const raw = match[2] as string;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    out.push(kind === "DNS" || kind === "IP Address" ? value : `${kind}:${value}`);
  }
  return out;
}
