#!/usr/bin/env node
// `npm run build` (and `prepare`, which npm ci runs): compiles the TypeScript sources into dist/
// (tsconfig.build.json) and records what it compiled (dist/build-manifest.json, see dist.js), so
// that bin/faultline.js runs dist/ only while it is the build of the sources as they are.
//
// The build goes to a fresh folder that replaces dist/ only once complete: a CLI started meanwhile
// sees either the old build with its manifest or none, never half of one.

import { spawnSync } from "node:child_process";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MANIFEST, MANIFEST_VERSION, sourceStamps } from "./dist.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, "dist");

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  // An install without dev dependencies: no compiler, and that is fine — the CLI runs the sources.
  process.stdout.write("faultline build: TypeScript is not installed (an install without dev dependencies?); no dist/ — faultline runs the sources through tsx\n");
  process.exit(0);
}

// Stamped before compiling: a source edited while the build runs is then seen as changed.
const sources = sourceStamps(root);
const started = Date.now();
const building = join(root, `dist.building-${process.pid}`);
rmSync(building, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", building], { cwd: root, stdio: "inherit" });
if (compiled.status !== 0) {
  rmSync(building, { recursive: true, force: true });
  process.stderr.write(`faultline build: tsc -p tsconfig.build.json failed (exit ${compiled.status ?? compiled.signal}); dist/ left as it was — fix the error above and run npm run build\n`);
  process.exit(1);
}
writeFileSync(join(building, MANIFEST), JSON.stringify({ version: MANIFEST_VERSION, builtAt: new Date().toISOString(), node: process.versions.node, sources }, null, 1) + "\n");

const old = join(root, `dist.old-${process.pid}`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(building, dist);
rmSync(old, { recursive: true, force: true });
const compiledCount = Object.keys(sources).filter((path) => path.endsWith(".ts")).length;
process.stdout.write(`faultline build: ${compiledCount} sources compiled into dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
