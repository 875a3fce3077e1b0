#!/usr/bin/env node
// The installed entry point, as npm CLIs ship: the compiled JavaScript in dist/ when it is the
// build of the sources as they are now (see dist.js for the rule), which starts in a fraction of
// the time; otherwise the TypeScript sources through tsx, which compiles them at every start
// (development: no build yet, or sources edited since — a stale dist/ never runs). `npm run build`
// makes dist/; npm ci does it through the package's `prepare` script.
//
// FAULTLINE_CODE=sources runs the sources whatever dist/ holds; FAULTLINE_CODE=dist refuses to
// run anything but an up-to-date dist/. `faultline --version` says which code runs, and why.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { distStatus } from "./dist.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const wanted = process.env.FAULTLINE_CODE;
const status = wanted === "sources" ? { fresh: false, reason: "FAULTLINE_CODE=sources" } : distStatus(root);

if (status.fresh) {
  delete process.env.FAULTLINE_SOURCES_BECAUSE;
  await import("../dist/harness/cli/main.js");
} else {
  if (wanted === "dist") {
    process.stderr.write(`faultline: FAULTLINE_CODE=dist, but dist/ cannot run: ${status.reason}\n`);
    process.exit(254);
  }
  // Read by `faultline --version`.
  process.env.FAULTLINE_SOURCES_BECAUSE = status.reason;
  // A build exists but is not the sources': say why the start is slow (on a terminal only, so
  // scripts and tests see the same output either way).
  if (process.stderr.isTTY && wanted !== "sources" && existsSync(join(root, "dist"))) {
    process.stderr.write(`faultline: running the TypeScript sources (slower start): ${status.reason}\n`);
  }
  const { register } = await import("tsx/esm/api");
  register();
  await import("../harness/cli/main.ts");
}
