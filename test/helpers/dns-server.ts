/**
 * A tiny authoritative DNS server on UDP 127.0.0.1:<random port>, for tests of the dns probe.
 * It answers from a fixed table of records: the records of the asked name and type, an
 * empty answer (NODATA) when the name exists with other types only, NXDOMAIN otherwise.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import {
  type Answer,
  AUTHORITATIVE_ANSWER,
  decode,
  encode,
  type Question,
  RECURSION_AVAILABLE,
  RECURSION_DESIRED,
} from "dns-packet";

const NXDOMAIN = 3;
const SERVFAIL = 2;

/** How the server behaves; tests may change it between queries. */
export type DnsServerMode = "answer" | "silent" | "servfail";

export interface DnsTestServer {
  /** "127.0.0.1:<port>", as a dns check's `server`. */
  readonly address: string;
  readonly port: number;
  /** Every question received, in order. */
  readonly questions: Question[];
  mode: DnsServerMode;
  close(): Promise<void>;
}

/** Starts a server answering from `records` (dns-packet answers; ttl defaults to 60). */
export async function startDnsServer(records: Answer[]): Promise<DnsTestServer> {
  const socket = createSocket("udp4");
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  const { port } = socket.address() as AddressInfo;
  const questions: Question[] = [];
  const server: DnsTestServer = {
    address: `127.0.0.1:${port}`,
    port,
    questions,
    mode: "answer",
    close: async () => {
      socket.close();
      await once(socket, "close");
    },
  };

  socket.on("message", (message: Buffer, from: RemoteInfo) => {
    let query: ReturnType<typeof decode>;
    try {
      query = decode(message);
    } catch {
      return; // not DNS: ignore, as a real server would
    }
    const asked = query.questions ?? [];
    questions.push(...asked);
    if (server.mode === "silent") return;
    const question = asked[0];
    let rcode = 0;
    let answers: Answer[] = [];
    if (server.mode === "servfail" || !question) {
      rcode = SERVFAIL;
    } else {
      const name = question.name.toLowerCase();
      const named = records.filter((r) => r.name.toLowerCase() === name);
      if (named.length === 0) rcode = NXDOMAIN;
      answers = named
        .filter((r) => r.type === question.type)
        .map((r) => ({ ...r, name: question.name, ttl: "ttl" in r ? (r.ttl ?? 60) : 60 }));
    }
    const response = encode({
      type: "response",
      id: query.id ?? 0,
      // The low four bits of the flags are the response code.
      flags:
        AUTHORITATIVE_ANSWER |
        RECURSION_AVAILABLE |
        ((query.flags ?? 0) & RECURSION_DESIRED) |
        rcode,
      questions: asked,
      answers,
    });
    socket.send(response, from.port, from.address);
  });

  return server;
}
