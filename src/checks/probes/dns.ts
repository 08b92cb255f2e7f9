/**
 * The dns probe: one query (name + record type) to a chosen DNS server or the system's,
 * answered within the deadline. `body` holds the answers, normalized so assertions such as
 * `body == ["192.0.2.10", "192.0.2.11"]` or `body[0].exchange == "mx1.example"` are stable.
 */
import { Resolver } from "node:dns/promises";
import { isIP, isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import { formatTarget } from "./tcp.ts";
import { abortedOutcome, attemptSignal, type ErrorKind, type Probe } from "./types.ts";

export const DNS_RECORD_TYPES = [
  "A",
  "AAAA",
  "CNAME",
  "MX",
  "NS",
  "TXT",
  "SRV",
  "CAA",
  "PTR",
  "SOA",
] as const;

export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

const NAME_EXPECTED = "expected a domain name such as shop.example.com (or an IP address for PTR)";
const SERVER_EXPECTED =
  "expected a DNS server address: an IP, or IP:port, e.g. 1.1.1.1, 127.0.0.1:5353 or [::1]:53";

/** "1.1.1.1", "1.1.1.1:53", "::1", "[::1]" or "[::1]:53" → host and port; else undefined. */
export function parseDnsServer(text: string): { host: string; port: number } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const v4 = /^([\d.]+)(?::(\d{1,5}))?$/.exec(text);
  let host: string;
  let port = 53;
  if (bracketed) {
    host = bracketed[1] as string;
    if (!isIPv6(host)) return undefined;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (v4) {
    host = v4[1] as string;
    if (!isIPv4(host)) return undefined;
    if (v4[2] !== undefined) port = Number(v4[2]);
  } else if (isIPv6(text)) {
    host = text;
  } else {
    return undefined;
  }
  return port >= 1 && port <= 65535 ? { host, port } : undefined;
}

export const dnsProbeSchema = z.strictObject({
  name: z
    .string({ error: NAME_EXPECTED })
    .trim()
    .regex(/^[^\s/]{1,254}$/, { error: NAME_EXPECTED })
    .meta({ description: "The name to look up, e.g. shop.example.com" }),
  type: z
    .enum(DNS_RECORD_TYPES, {
      error: `expected a record type: one of ${DNS_RECORD_TYPES.join(", ")}`,
    })
    .default("A")
    .meta({ description: "Record type to ask for" }),
  server: z
    .string({ error: SERVER_EXPECTED })
    .trim()
    .refine((text) => parseDnsServer(text) !== undefined, { error: SERVER_EXPECTED })
    .optional()
    .meta({ description: "DNS server to ask, as IP or IP:port (default: the system's resolvers)" }),
});

export type DnsProbeConfig = z.output<typeof dnsProbeSchema>;

/** Node's Resolver takes the timeout as a 32-bit integer. */
const MAX_RESOLVER_TIMEOUT_MS = 2_147_483_647;

/**
 * Asks one question, one try per server, within the deadline. No answer (NXDOMAIN, or a
 * name without records of the type) is a "dns" failure; a server that cannot be reached or
 * refuses is "dns" too; silence until the deadline is "timeout".
 */
export const probeDns: Probe<DnsProbeConfig> = async (spec, ctx) => {
  const startedAt = performance.now();
  const signal = attemptSignal(ctx);
  if (signal.aborted) return abortedOutcome(ctx, startedAt);
  const timeout = Math.max(1, Math.min(ctx.timeoutMs, MAX_RESOLVER_TIMEOUT_MS));
  const resolver = new Resolver({ timeout, tries: 1, maxTimeout: timeout });
  const server = spec.server === undefined ? undefined : parseDnsServer(spec.server);
  if (server) resolver.setServers([formatTarget(server.host, server.port)]);
  const via = server
    ? `DNS server ${formatTarget(server.host, server.port)}`
    : `the system resolver (${resolver.getServers().join(", ") || "no servers configured"})`;
  const onAbort = () => resolver.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  const elapsed = () => Math.round(performance.now() - startedAt);
  try {
    const body = await query(resolver, spec.type, spec.name);
    if (Array.isArray(body) && body.length === 0) {
      const message = `no ${spec.type} record for ${spec.name} (NODATA: the name exists)`;
      return { ok: false, kind: "dns", message, responseTimeMs: elapsed() };
    }
    return { ok: true, observation: { responseTimeMs: elapsed(), body } };
  } catch (error) {
    const question = `${spec.name} (${spec.type})`;
    if (signal.aborted) return abortedOutcome(ctx, startedAt, `no DNS answer for ${question}`);
    const { kind, message } = failure(error, spec.type, spec.name, via, ctx.timeoutMs);
    return { ok: false, kind, message, responseTimeMs: elapsed() };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
};

async function query(resolver: Resolver, type: DnsRecordType, name: string): Promise<unknown> {
  const sorted = (list: string[]) => [...list].sort();
  switch (type) {
    case "A":
      return sorted(await resolver.resolve4(name));
    case "AAAA":
      return sorted(await resolver.resolve6(name));
    case "CNAME":
      return sorted(await resolver.resolveCname(name));
    case "NS":
      return sorted(await resolver.resolveNs(name));
    case "PTR":
      return sorted(await resolver.resolvePtr(isIP(name) ? reverseName(name) : name));
    case "TXT":
      return sorted((await resolver.resolveTxt(name)).map((chunks) => chunks.join("")));
    case "MX":
      return (await resolver.resolveMx(name))
        .map(({ exchange, priority }) => ({ exchange, priority }))
        .sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange));
    case "SRV":
      return (await resolver.resolveSrv(name)).sort(
        (a, b) => a.priority - b.priority || b.weight - a.weight || a.name.localeCompare(b.name),
      );
    case "CAA":
      return resolver.resolveCaa(name);
    case "SOA":
      return resolver.resolveSoa(name);
  }
}

/**
 * The name an address's PTR record lives under: 127.0.0.1 → 1.0.0.127.in-addr.arpa,
 * 2001:db8::1 → 1.0.0.0.….8.b.d.0.1.0.0.2.ip6.arpa. (resolver.reverse would consult
 * /etc/hosts first; a dns check asks DNS.)
 */
export function reverseName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  let text = ip.split("%")[0] as string;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  const nibbles = groups.map((g) => g.padStart(4, "0")).join("");
  return `${[...nibbles.toLowerCase()].reverse().join(".")}.ip6.arpa`;
}

function failure(
  error: unknown,
  type: DnsRecordType,
  name: string,
  via: string,
  timeoutMs: number,
): { kind: ErrorKind; message: string } {
  const e = error as NodeJS.ErrnoException;
  const code = e.code ?? "";
  switch (code) {
    case "ENOTFOUND":
      return { kind: "dns", message: `no ${type} record for ${name} (NXDOMAIN)` };
    case "ENODATA":
      return {
        kind: "dns",
        message: `no ${type} record for ${name} (NODATA: the name exists)`,
      };
    case "ETIMEOUT":
      return {
        kind: "timeout",
        message: `no answer from ${via} for ${name} (${type}) within ${timeoutMs} ms`,
      };
    case "ECONNREFUSED":
    case "ECONNRESET":
      return { kind: "dns", message: `cannot reach ${via}: connection refused (${code})` };
    case "ESERVFAIL":
      return {
        kind: "dns",
        message: `${via} failed to answer for ${name} (${type}): SERVFAIL`,
      };
    case "EREFUSED":
      return {
        kind: "dns",
        message: `${via} refused to answer for ${name} (${type}): REFUSED`,
      };
    case "EBADRESP":
    case "EFORMERR":
    case "EBADFAMILY":
      return {
        kind: "dns",
        message: `${via} sent an answer that cannot be read for ${name} (${type}): ${code}`,
      };
    case "EBADNAME":
      return { kind: "dns", message: `${name} is not a valid name to look up (EBADNAME)` };
    default:
      return {
        kind: "dns",
        message: `DNS query for ${name} (${type}) via ${via} failed: ${e.message || String(error)}`,
      };
  }
}
