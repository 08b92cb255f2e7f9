/**
 * `npm start`: the demo service (examples/demo/demo-service.ts) and Unyo with the demo
 * config, in one process. Extra arguments go to `unyo up` (e.g. `npm start -- --port 8081`).
 * DEMO_SERVICE_PORT moves the demo service (default 8081).
 */
import { enableCompileCache } from "node:module";

// As bin/unyo.js does: reuse compiled modules between starts (faster, less memory).
enableCompileCache?.();
const { main } = await import("../../src/main.ts");
const { startDemoService } = await import("./demo-service.ts");

const port = Number(process.env.DEMO_SERVICE_PORT || 8081);
process.env.DEMO_SERVICE_PORT = String(port);
try {
  const server = await startDemoService(port);
  server.unref();
  process.stderr.write(
    `Demo service (the thing the demo watches) at http://127.0.0.1:${port}/health\n`,
  );
} catch (error) {
  process.stderr.write(
    `The demo service could not listen on port ${port} (${(error as NodeJS.ErrnoException).code}); set DEMO_SERVICE_PORT to a free port.\n`,
  );
  process.exit(3);
}
// The demo "nightly batch" reports to its heartbeat every minute and skips every 7th run,
// so the heartbeat goes late, then down, then up again.
const args = process.argv.slice(2);
const portFlag = args.indexOf("--port");
const unyoPort =
  (portFlag >= 0 ? args[portFlag + 1] : undefined) || process.env.UNYO_PORT || "8080";
const ping = (path: string, body?: string) =>
  fetch(`http://127.0.0.1:${unyoPort}/ping/demo-batch-0123456789abcdef${path}`, {
    method: "POST",
    ...(body ? { body } : {}),
  }).catch(() => undefined);
let run = 0;
const runBatch = () => {
  run++;
  if (run % 7 === 0) return;
  void ping("/start").then(() =>
    setTimeout(() => void ping("", `processed ${100 + run} orders`), 2000),
  );
};
// The first run once Unyo is listening, then every minute.
setTimeout(runBatch, 5000).unref();
setInterval(runBatch, 60_000).unref();

process.exitCode = await main(["up", "--config", "examples/demo/unyo.yaml", ...args]);
