// A worker thread running a module that sits beside the caller, in whichever form the caller runs:
// compiled JavaScript when it was loaded from dist/ (bin/faultline.js, our Raft nodes), the
// TypeScript source through tsx otherwise (development, vitest). Node 20 does not carry the
// parent's loader hooks into worker threads, so for TypeScript a two-line bootstrap registers tsx
// in the worker first, as bin/faultline.js does for the CLI.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/** The URL of module `name` ("./check-worker", no extension) beside `callerUrl`, with the caller's
 *  own extension (.js from dist/, .ts from the sources). */
export function siblingModule(callerUrl: string, name: string): URL {
  const extension = /\.[cm]?[jt]s$/.exec(new URL(callerUrl).pathname)?.[0] ?? ".ts";
  return new URL(`${name}${extension}`, callerUrl);
}

/** Starts `module` (from siblingModule) in a worker thread. */
export function startModuleWorker(module: URL, options: Omit<WorkerOptions, "eval"> = {}): Worker {
  if (!/\.[cm]?ts$/.test(module.pathname)) return new Worker(module, options);
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())})
  .then((api) => { (api.register ?? api.default.register)(); return import(${JSON.stringify(module.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

let tsxApi: string | undefined;

/** tsx's ESM register API, by the package's own export map: require.resolve would pick the CJS
 *  build, which cannot register the ESM hooks, and vitest has no import.meta.resolve. */
function tsxEsmApiUrl(): string {
  if (tsxApi) return tsxApi;
  const manifestPath = createRequire(import.meta.url).resolve("tsx/package.json");
  // JSON of a dependency's manifest: only the one field below is read, and checked.
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: Record<string, { import?: { default?: unknown } } | string> };
  const entry = manifest.exports?.["./esm/api"];
  const target = typeof entry === "object" ? entry.import?.default : undefined;
  if (typeof target !== "string") throw new Error(`tsx at ${dirname(manifestPath)} has no "./esm/api" import export; a worker thread cannot load TypeScript (reinstall with npm ci)`);
  tsxApi = pathToFileURL(join(dirname(manifestPath), target)).href;
  return tsxApi;
}
