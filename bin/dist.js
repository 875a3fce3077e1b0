// Is dist/ (the compiled JavaScript, tsconfig.build.json) the code of the sources as they are now?
// Plain JavaScript, no dependencies: bin/faultline.js asks before anything is loaded, and it must
// not itself run stale code.
//
// The rule: dist/ is up to date when dist/build-manifest.json (written by bin/build.js after a
// complete build) lists exactly the compiled sources there are now — the same files, each with the
// modification time and size it had when the build read it — and the same tsconfig files.
//   - Why modification times and sizes, not content hashes: a start must stay far under 0.2 s;
//     stat()ing the ~350 sources costs a few milliseconds, hashing them several times that. Every
//     editor, `git checkout`/`pull`/`stash` and patch tool writes a new mtime, so an edit is seen.
//   - Why an exact match, not "older than the build": a file put back with an old time (tar,
//     `cp -p`, rsync -t, a revert of yesterday's version) still differs from what was built, and a
//     source added or deleted changes the list.
//   - Anything that differs means stale, and a stale dist/ never runs: bin/faultline.js runs the
//     sources through tsx instead (and `faultline --version` says which, and why).
// A false "stale" (a `touch` without a change) only costs a slower start; a false "fresh" would
// need a source rewritten to the same size within a millisecond of its build-time mtime (mtimes are
// compared in whole milliseconds, the resolution tools that copy times can set, give or take one:
// a time set back through a Date or seconds as a double lands up to a few hundred nanoseconds
// below the millisecond it names, and truncation then drops it to the one before).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const MANIFEST = "build-manifest.json";
export const MANIFEST_VERSION = 1;
/** The folders tsconfig.build.json compiles (its "include"). */
const SOURCE_DIRS = ["harness", "checkers", "clusters", "workloads", "nemeses", "reports"];
/** Compiler settings: a change to them changes the output. */
const CONFIG_FILES = ["tsconfig.json", "tsconfig.build.json"];

/** Whether a source path is compiled (tsconfig.build.json's include minus its exclude). */
function isCompiledSource(path) {
  if (!path.endsWith(".ts") || path.endsWith(".d.ts")) return false;
  if (path.endsWith(".test.ts") || path.endsWith(".fixture.ts")) return false;
  return !path.split(sep).includes("testdata");
}

/** Directories never descended into: not sources, and some are large (Java build trees of images). */
const SKIP_DIRS = new Set(["node_modules", "testdata", "dist", "target", ".git"]);

/**
 * Every compiled source and config file under `root`, as "path": [mtime in whole ms, size].
 * @param {string} root
 * @returns {Record<string, [number, number]>}
 */
export function sourceStamps(root) {
  /** @type {Record<string, [number, number]>} */
  const stamps = {};
  const visit = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) visit(path);
      } else if (isCompiledSource(path)) {
        const stat = statSync(path);
        stamps[relative(root, path)] = [Math.trunc(stat.mtimeMs), stat.size];
      }
    }
  };
  for (const dir of SOURCE_DIRS) visit(join(root, dir));
  for (const file of CONFIG_FILES) {
    try {
      const stat = statSync(join(root, file));
      stamps[file] = [Math.trunc(stat.mtimeMs), stat.size];
    } catch {
      // A config file that does not exist is recorded as absent, and must stay so.
    }
  }
  return stamps;
}

/**
 * Whether `root`/dist is the build of the sources as they are now.
 * @param {string} root the repository (where package.json is)
 * @returns {{ fresh: true } | { fresh: false, reason: string }}
 */
export function distStatus(root) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, "dist", MANIFEST), "utf8"));
  } catch (error) {
    const missing = /** @type {NodeJS.ErrnoException} */ (error).code === "ENOENT";
    return { fresh: false, reason: missing ? "no complete build in dist/ (run npm run build)" : `dist/${MANIFEST} is unreadable (${/** @type {Error} */ (error).message}); run npm run build` };
  }
  if (manifest?.version !== MANIFEST_VERSION || typeof manifest.sources !== "object" || manifest.sources === null) {
    return { fresh: false, reason: `dist/${MANIFEST} is from another version of the build; run npm run build` };
  }
  const built = /** @type {Record<string, [number, number]>} */ (manifest.sources);
  const now = sourceStamps(root);
  for (const [path, [mtimeMs, size]] of Object.entries(now)) {
    const then = built[path];
    if (then === undefined) return { fresh: false, reason: `${path} is new since the build; run npm run build` };
    if (Math.abs(then[0] - mtimeMs) > 1 || then[1] !== size) return { fresh: false, reason: `${path} changed since the build; run npm run build` };
  }
  for (const path of Object.keys(built)) {
    if (!(path in now)) return { fresh: false, reason: `${path} is gone since the build; run npm run build` };
  }
  return { fresh: true };
}
