#!/usr/bin/env -S node --max-semi-space-size=2 --optimize-for-size
// The `unyo` command. Plain JavaScript so it can refuse an old Node.js with a clear message
// before any TypeScript is loaded; the rest of Unyo runs as .ts through Node's type stripping.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `unyo: needs Node.js 24 or newer, but this is ${process.version}. ` +
      "Run it through npm (npm start, npx unyo …), which uses the Node.js 24 pinned in package.json, " +
      "or install Node.js 24 LTS.\n",
  );
  process.exit(3);
}
// Cache compiled (and type-stripped) modules between runs: faster start, less memory.
const { enableCompileCache } = await import("node:module");
enableCompileCache?.();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
