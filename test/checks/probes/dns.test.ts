import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Observation } from "../../../src/checks/evaluate.ts";
import {
  type DnsProbeConfig,
  dnsProbeSchema,
  parseDnsServer,
  probeDns,
  reverseName,
} from "../../../src/checks/probes/dns.ts";
import type { ProbeContext, ProbeOutcome } from "../../../src/checks/probes/types.ts";
import { type DnsTestServer, startDnsServer } from "../../helpers/dns-server.ts";

function ctx(over: Partial<ProbeContext> = {}): ProbeContext {
  return {
    signal: new AbortController().signal,
    timeoutMs: 2000,
    baseUrl: "http://127.0.0.1",
    ...over,
  };
}

function observed(outcome: ProbeOutcome): Observation {
  if (!outcome.ok) assert.fail(`expected an answer, got ${outcome.kind}: ${outcome.message}`);
  return outcome.observation;
}

function failed(outcome: ProbeOutcome): Extract<ProbeOutcome, { ok: false }> {
  if (outcome.ok) assert.fail(`expected a failure, got ${JSON.stringify(outcome.observation)}`);
  return outcome;
}

describe("probeDns against a local DNS server", () => {
  let dns: DnsTestServer;
  const spec = (input: Record<string, unknown>): DnsProbeConfig =>
    dnsProbeSchema.parse({ server: dns.address, ...input });

  before(async () => {
    dns = await startDnsServer([
      { name: "shop.example", type: "A", data: "192.0.2.11" },
      { name: "shop.example", type: "A", data: "192.0.2.10" },
      { name: "shop.example", type: "AAAA", data: "2001:db8::1" },
      { name: "shop.example", type: "MX", data: { preference: 20, exchange: "mx2.example" } },
      { name: "shop.example", type: "MX", data: { preference: 10, exchange: "mx1.example" } },
      { name: "shop.example", type: "TXT", data: ["v=spf1 ", "-all"] },
      { name: "shop.example", type: "TXT", data: "hello" },
      { name: "www.shop.example", type: "CNAME", data: "shop.example" },
      { name: "1.0.0.127.in-addr.arpa", type: "PTR", data: "localhost.test" },
    ]);
  });

  after(async () => {
    await dns.close();
  });

  test("A answers, sorted, with the query time", async () => {
    const obs = observed(await probeDns(spec({ name: "shop.example" }), ctx()));
    assert.deepEqual(obs.body, ["192.0.2.10", "192.0.2.11"]);
    assert.ok(obs.responseTimeMs >= 0 && obs.responseTimeMs < 2000);
    assert.deepEqual(dns.questions.at(-1), { name: "shop.example", type: "A", class: "IN" });
  });

  test("AAAA answers", async () => {
    const obs = observed(await probeDns(spec({ name: "shop.example", type: "AAAA" }), ctx()));
    assert.deepEqual(obs.body, ["2001:db8::1"]);
  });

  test("MX answers as { exchange, priority }, lowest priority first", async () => {
    const obs = observed(await probeDns(spec({ name: "shop.example", type: "MX" }), ctx()));
    assert.deepEqual(obs.body, [
      { exchange: "mx1.example", priority: 10 },
      { exchange: "mx2.example", priority: 20 },
    ]);
  });

  test("TXT answers with their chunks joined", async () => {
    const obs = observed(await probeDns(spec({ name: "shop.example", type: "TXT" }), ctx()));
    assert.deepEqual(obs.body, ["hello", "v=spf1 -all"]);
  });

  test("CNAME answers", async () => {
    const obs = observed(await probeDns(spec({ name: "www.shop.example", type: "CNAME" }), ctx()));
    assert.deepEqual(obs.body, ["shop.example"]);
  });

  test("PTR of an address is asked under in-addr.arpa", async () => {
    const obs = observed(await probeDns(spec({ name: "127.0.0.1", type: "PTR" }), ctx()));
    assert.deepEqual(obs.body, ["localhost.test"]);
    assert.equal(dns.questions.at(-1)?.name, "1.0.0.127.in-addr.arpa");
    assert.equal(reverseName("2001:db8::1"), `1.${"0.".repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
  });

  test("an unknown name is a dns failure naming the name and type (NXDOMAIN)", async () => {
    const outcome = failed(await probeDns(spec({ name: "nope.example" }), ctx()));
    assert.equal(outcome.kind, "dns");
    assert.equal(outcome.message, "no A record for nope.example (NXDOMAIN)");
  });

  test("a name without records of the type is a dns failure (NODATA)", async () => {
    const outcome = failed(await probeDns(spec({ name: "www.shop.example", type: "MX" }), ctx()));
    assert.equal(outcome.kind, "dns");
    assert.match(outcome.message, /^no MX record for www\.shop\.example \(NODATA/);
  });

  test("SERVFAIL is a dns failure naming the server", async () => {
    dns.mode = "servfail";
    try {
      const outcome = failed(await probeDns(spec({ name: "shop.example" }), ctx()));
      assert.equal(outcome.kind, "dns");
      assert.match(outcome.message, new RegExp(`DNS server ${dns.address} .*SERVFAIL`));
    } finally {
      dns.mode = "answer";
    }
  });

  test("a server that never answers is a timeout within the deadline", async () => {
    dns.mode = "silent";
    try {
      const started = performance.now();
      const outcome = failed(
        await probeDns(spec({ name: "shop.example" }), ctx({ timeoutMs: 300 })),
      );
      const took = performance.now() - started;
      assert.equal(outcome.kind, "timeout");
      assert.match(outcome.message, /within 300 ms/);
      assert.ok(took < 1500, `took ${took} ms`);
    } finally {
      dns.mode = "answer";
    }
  });

  test("shutdown interrupts a pending query", async () => {
    dns.mode = "silent";
    try {
      const shutdown = new AbortController();
      const pending = probeDns(spec({ name: "shop.example" }), ctx({ signal: shutdown.signal }));
      setTimeout(() => shutdown.abort(), 50);
      const outcome = failed(await pending);
      assert.equal(outcome.kind, "interrupted");
      assert.ok(outcome.responseTimeMs < 1000);
    } finally {
      dns.mode = "answer";
    }
  });
});

describe("probeDns against an unreachable server", () => {
  test("a closed port is a dns failure saying the server cannot be reached", async () => {
    const socket = createSocket("udp4");
    socket.bind(0, "127.0.0.1");
    await once(socket, "listening");
    const { port } = socket.address() as AddressInfo;
    socket.close();
    await once(socket, "close");
    const spec = dnsProbeSchema.parse({ name: "shop.example", server: `127.0.0.1:${port}` });
    const outcome = failed(await probeDns(spec, ctx({ timeoutMs: 1000 })));
    assert.equal(outcome.kind, "dns");
    assert.match(outcome.message, new RegExp(`cannot reach DNS server 127\\.0\\.0\\.1:${port}`));
  });
});

describe("dnsProbeSchema", () => {
  test("applies defaults: type A, the system resolver", () => {
    assert.deepEqual(dnsProbeSchema.parse({ name: "shop.example" }), {
      name: "shop.example",
      type: "A",
    });
  });

  test("accepts a server as ip or ip:port, IPv6 in brackets", () => {
    for (const server of ["1.1.1.1", "127.0.0.1:5353", "::1", "[::1]", "[2001:db8::53]:53"]) {
      assert.equal(dnsProbeSchema.safeParse({ name: "a.example", server }).success, true, server);
    }
    assert.deepEqual(parseDnsServer("127.0.0.1:5353"), { host: "127.0.0.1", port: 5353 });
    assert.deepEqual(parseDnsServer("[::1]:53"), { host: "::1", port: 53 });
    assert.deepEqual(parseDnsServer("1.1.1.1"), { host: "1.1.1.1", port: 53 });
  });

  test("rejects a server that is not an address", () => {
    for (const server of ["dns.google", "1.1.1.1:0", "1.1.1.1:70000", "300.1.1.1", "::1:53x"]) {
      const result = dnsProbeSchema.safeParse({ name: "a.example", server });
      assert.equal(result.success, false, server);
      assert.match(result.error?.issues[0]?.message ?? "", /expected a DNS server address/);
    }
  });

  test("rejects an unknown type and unknown keys", () => {
    const badType = dnsProbeSchema.safeParse({ name: "a.example", type: "ANY" });
    assert.match(badType.error?.issues[0]?.message ?? "", /expected a record type: one of A, AAAA/);
    const extra = dnsProbeSchema.safeParse({ name: "a.example", record: "A" });
    assert.equal(extra.success, false);
    assert.equal(extra.error?.issues[0]?.code, "unrecognized_keys");
    const noName = dnsProbeSchema.safeParse({});
    assert.match(noName.error?.issues[0]?.message ?? "", /expected a domain name/);
  });
});
