import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { after, describe, test } from "node:test";
import type { Observation } from "../../../src/checks/evaluate.ts";
import { probeTcp, type TcpProbeConfig, tcpProbeSchema } from "../../../src/checks/probes/tcp.ts";
import type { ProbeContext, ProbeOutcome } from "../../../src/checks/probes/types.ts";

function ctx(over: Partial<ProbeContext> = {}): ProbeContext {
  return {
    signal: new AbortController().signal,
    timeoutMs: 2000,
    baseUrl: "http://127.0.0.1",
    ...over,
  };
}

function spec(input: Record<string, unknown>): TcpProbeConfig {
  return tcpProbeSchema.parse({ host: "127.0.0.1", ...input });
}

function observed(outcome: ProbeOutcome): Observation {
  if (!outcome.ok) assert.fail(`expected a connection, got ${outcome.kind}: ${outcome.message}`);
  return outcome.observation;
}

function failed(outcome: ProbeOutcome): Extract<ProbeOutcome, { ok: false }> {
  if (outcome.ok) assert.fail(`expected a failure, got ${JSON.stringify(outcome.observation)}`);
  return outcome;
}

const servers: Server[] = [];
const accepted = new Set<Socket>();

/** A TCP server on 127.0.0.1:<random port>; `onConnection` decides what it says. */
async function serve(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    accepted.add(socket);
    onConnection(socket);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

after(async () => {
  for (const socket of accepted) socket.destroy();
  for (const server of servers) {
    server.close();
    await once(server, "close");
  }
});

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

describe("probeTcp", () => {
  test("connects, with the connect time and an empty body", async () => {
    const port = await serve((socket) => socket.end());
    const obs = observed(await probeTcp(spec({ port }), ctx()));
    assert.equal(obs.body, "");
    assert.ok(obs.responseTimeMs >= 0 && obs.responseTimeMs < 2000);
  });

  test("reads the banner up to the first newline", async () => {
    const port = await serve((socket) => socket.write("220 smtp ready\r\n250 more\r\n"));
    const obs = observed(await probeTcp(spec({ port, read_banner: true }), ctx()));
    assert.equal(obs.body, "220 smtp ready");
  });

  test("a banner split over several packets is put together", async () => {
    const port = await serve((socket) => {
      socket.write("SSH-2.0-");
      setTimeout(() => socket.write("OpenSSH_9.6\r\n"), 30);
    });
    const obs = observed(await probeTcp(spec({ port, read_banner: true }), ctx()));
    assert.equal(obs.body, "SSH-2.0-OpenSSH_9.6");
    assert.ok(obs.responseTimeMs >= 25, `banner time ${obs.responseTimeMs} ms`);
  });

  test("a banner without a newline stops at 4 KiB", async () => {
    const port = await serve((socket) => socket.write("x".repeat(10_000)));
    const obs = observed(await probeTcp(spec({ port, read_banner: true }), ctx()));
    assert.equal(obs.body, "x".repeat(4096));
  });

  test("sends `send`, then reads the answer as the banner", async () => {
    const port = await serve((socket) => {
      socket.once("data", (data) =>
        socket.end(data.toString() === "PING\r\n" ? "+PONG\r\n" : "?\r\n"),
      );
    });
    const obs = observed(
      await probeTcp(spec({ port, send: "PING\r\n", read_banner: true }), ctx()),
    );
    assert.equal(obs.body, "+PONG");
  });

  test("sends `send` without reading when read_banner is off", async () => {
    const received: string[] = [];
    const port = await serve((socket) => socket.on("data", (d) => received.push(d.toString())));
    const obs = observed(await probeTcp(spec({ port, send: "hello\n" }), ctx()));
    assert.equal(obs.body, "");
    for (let i = 0; i < 50 && received.join("") !== "hello\n"; i++) await sleep(10);
    assert.equal(received.join(""), "hello\n");
  });

  test("a server that closes without a banner is a connect failure", async () => {
    const port = await serve((socket) => socket.end());
    const outcome = failed(await probeTcp(spec({ port, read_banner: true }), ctx()));
    assert.equal(outcome.kind, "connect");
    assert.match(outcome.message, /closed the connection without sending a banner/);
  });

  test("a refused port is a connect failure naming the target", async () => {
    const port = await closedPort();
    const outcome = failed(await probeTcp(spec({ port }), ctx()));
    assert.equal(outcome.kind, "connect");
    assert.equal(outcome.message, `connection refused by 127.0.0.1:${port}`);
  });

  test("an unresolvable host is a dns failure", async () => {
    const outcome = failed(await probeTcp(spec({ host: "nonexistent.invalid", port: 25 }), ctx()));
    assert.equal(outcome.kind, "dns");
    assert.match(outcome.message, /nonexistent\.invalid/);
  });

  test("a server that never sends a banner times out within the deadline", async () => {
    const port = await serve(() => {});
    const started = performance.now();
    const outcome = failed(
      await probeTcp(spec({ port, read_banner: true }), ctx({ timeoutMs: 200 })),
    );
    const took = performance.now() - started;
    assert.equal(outcome.kind, "timeout");
    assert.equal(outcome.message, "no banner within 200 ms");
    assert.ok(took >= 190 && took < 1000, `took ${took} ms`);
  });

  test("shutdown interrupts the attempt", async () => {
    const port = await serve(() => {});
    const shutdown = new AbortController();
    const pending = probeTcp(spec({ port, read_banner: true }), ctx({ signal: shutdown.signal }));
    setTimeout(() => shutdown.abort(), 50);
    const outcome = failed(await pending);
    assert.equal(outcome.kind, "interrupted");
    assert.equal(outcome.message, "interrupted by shutdown");
  });

  test("an attempt started after shutdown is interrupted at once", async () => {
    const shutdown = new AbortController();
    shutdown.abort();
    const outcome = failed(await probeTcp(spec({ port: 1 }), ctx({ signal: shutdown.signal })));
    assert.equal(outcome.kind, "interrupted");
  });
});

describe("tcpProbeSchema", () => {
  test("accepts host and port, with read_banner off by default", () => {
    assert.deepEqual(tcpProbeSchema.parse({ host: "db.internal", port: 5432 }), {
      host: "db.internal",
      port: 5432,
      read_banner: false,
    });
  });

  test("rejects a missing host, bad ports and unknown keys", () => {
    const noHost = tcpProbeSchema.safeParse({ port: 25 });
    assert.match(noHost.error?.issues[0]?.message ?? "", /expected a host name or IP address/);
    for (const port of [0, 65536, 22.5, "22"]) {
      const result = tcpProbeSchema.safeParse({ host: "a", port });
      assert.equal(
        result.error?.issues[0]?.message,
        "expected a port number from 1 to 65535, e.g. 5432",
        String(port),
      );
    }
    const extra = tcpProbeSchema.safeParse({ host: "a", port: 25, banner: true });
    assert.equal(extra.error?.issues[0]?.code, "unrecognized_keys");
    const badFlag = tcpProbeSchema.safeParse({ host: "a", port: 25, read_banner: "yes" });
    assert.equal(badFlag.error?.issues[0]?.message, "expected true or false");
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
