// Builds the Docker images without the CLI (for scripts/ci-docker.sh): `tsx scripts/build-images.ts
// [--force] [SYSTEM…]`, the images the named systems (every system when none) name in the registry.
// Progress on stderr; one summary line per image on stdout.

import { buildImages } from "../clusters/runtime/docker/images/build-images.ts";
import { systemImages } from "../clusters/runtime/docker/images/names.ts";
import { systems } from "../harness/run/registry.ts";

const args = process.argv.slice(2);
const force = args.includes("--force");
const systemNames = args.filter((arg) => arg !== "--force");
const started = performance.now();
try {
  const elapsed = (): string => ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  const results = await buildImages(systemImages(systems, systemNames), { force, onProgress: (line) => process.stderr.write(`[${elapsed()} s] ${line}\n`) });
  for (const result of results) {
    process.stdout.write(`${result.image} ${result.built ? `built in ${result.seconds.toFixed(1)} s` : "up to date"} (recipe ${result.recipe})\n`);
  }
  process.stdout.write(`images ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
} catch (error) {
  process.stderr.write(`build-images: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
