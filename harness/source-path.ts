// Where things are, whether this code runs from the TypeScript sources (tsx: development, vitest)
// or from their compiled copy in dist/ (bin/faultline.js when dist/ is up to date, our own nodes).
// dist/ mirrors the source tree (tsconfig.build.json: rootDir "."), so <repo>/dist/a/b.js is the
// build of <repo>/a/b.ts. Files that are not compiled — Docker build contexts, shell scripts, the
// report's page script — exist only in the source tree; code running from dist/ finds them there.

import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ABOVE = dirname(HERE);

/** The repository: where package.json and node_modules are (never dist/). */
export const REPO_ROOT = basename(ABOVE) === "dist" && existsSync(join(dirname(ABOVE), "package.json")) ? dirname(ABOVE) : ABOVE;
const DIST = join(REPO_ROOT, "dist");

/** Whether this code was loaded from dist/. */
export const RUNNING_COMPILED = HERE.startsWith(DIST + sep);

/** The path of `url` in the source tree: a file beside compiled code in dist/ maps to the same
 *  place under the repository (for files tsc does not emit). */
export function sourcePath(url: URL | string): string {
  const path = fileURLToPath(url);
  return path === DIST || path.startsWith(DIST + sep) ? join(REPO_ROOT, relative(DIST, path)) : path;
}

let tsxLoader: string | undefined;

/** The `node` arguments that run program `name` ("./main", no extension) beside `callerUrl` in the
 *  form the caller itself runs: `dist/…/main.js` as it is when the caller is compiled, else
 *  `--import tsx …/main.ts`. Absolute paths: a node may start in any working directory, and the
 *  docker runtime mounts the repository at the same path. */
export function nodeProgramArgs(callerUrl: string, name: string): string[] {
  const compiled = /\.js$/.test(new URL(callerUrl).pathname);
  const program = fileURLToPath(new URL(`${name}${compiled ? ".js" : ".ts"}`, callerUrl));
  if (compiled) return [program];
  tsxLoader ??= pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return ["--import", tsxLoader, program];
}
