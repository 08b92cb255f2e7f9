import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { startTestUnyo } from "../test/helpers/unyo.ts";

const N = Number(process.argv[2] ?? 2000);
const target = createServer((_q, r) => {
  r.writeHead(200, { "content-type": "application/json", connection: "close" });
  r.end('{"status":"healthy"}');
});
await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
const port = (target.address() as { port: number }).port;
const lines = ["checks:"];
for (let i = 0; i < N; i++)
  lines.push(
    `  - { id: c${i}, every: 20s, timeout: 5s, http: { url: "http://127.0.0.1:${port}/h?i=${i}" }, expect: ["status == 200", 'body.status == "healthy"'] }`,
  );
const t = await startTestUnyo(lines.join("\n") + "\n");
const mem = () => {
  const m = process.memoryUsage();
  return `rss ${(m.rss / 1e6).toFixed(0)} heapUsed ${(m.heapUsed / 1e6).toFixed(0)} heapTotal ${(m.heapTotal / 1e6).toFixed(0)} ext ${(m.external / 1e6).toFixed(0)} ab ${(m.arrayBuffers / 1e6).toFixed(0)}`;
};
console.log("after start", mem());
await new Promise((r) => setTimeout(r, 45_000));
console.log("after 45s", mem());
await t.close();
target.close();
