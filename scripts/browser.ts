/**
 * A tiny headless-Chromium driver over the DevTools protocol, for looking at the UI:
 * open a page, run JavaScript in it, take screenshots. Used by hand and by UI checks;
 * needs `chromium` on PATH (apt-get install chromium).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface Browser {
  goto(url: string): Promise<void>;
  evaluate<T = unknown>(expression: string): Promise<T>;
  screenshot(file: string): Promise<void>;
  close(): void;
}

export async function launchBrowser(width = 1000, height = 900): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "unyo-chromium-"));
  const child: ChildProcess = spawn(
    "chromium",
    [
      ...FLAGS,
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      `--window-size=${width},${height}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stderr?.on("data", (d: Buffer) => {
      text += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", () => reject(new Error(`chromium exited: ${text.slice(-500)}`)));
  });
  const port = new URL(wsUrl).port;
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    type: string;
    webSocketDebuggerUrl: string;
  }[];
  const page = targets.find((t) => t.type === "page");
  if (!page) throw new Error("no page target");
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((r) => ws.addEventListener("open", r, { once: true }));
  let nextId = 1;
  const pending = new Map<number, (msg: { result?: unknown; error?: unknown }) => void>();
  const events: ((msg: { method?: string }) => void)[] = [];
  ws.addEventListener("message", (event) => {
    const msg = JSON.parse(String(event.data));
    if (msg.id && pending.has(msg.id)) {
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    } else for (const listener of events) listener(msg);
  });
  // biome-ignore lint/suspicious/noExplicitAny: DevTools protocol answers are untyped JSON.
  const send = (method: string, params: object = {}): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (msg) =>
        msg.error ? reject(new Error(JSON.stringify(msg.error))) : resolve(msg.result),
      );
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Page.enable");
  return {
    async goto(url) {
      const loaded = new Promise<void>((resolve) => {
        events.push((msg) => {
          if (msg.method === "Page.loadEventFired") resolve();
        });
      });
      await send("Page.navigate", { url });
      await loaded;
    },
    async evaluate(expression) {
      const result = await send("Runtime.evaluate", {
        expression,
        awaitPromise: true,
        returnByValue: true,
      });
      if (result.exceptionDetails) throw new Error(JSON.stringify(result.exceptionDetails));
      return result.result.value;
    },
    async screenshot(file) {
      const { data } = await send("Page.captureScreenshot", {
        format: "png",
        captureBeyondViewport: true,
      });
      writeFileSync(file, Buffer.from(data, "base64"));
    },
    close() {
      ws.close();
      child.kill("SIGKILL");
    },
  };
}
