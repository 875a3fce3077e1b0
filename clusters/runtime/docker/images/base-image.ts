// The base image, made without a registry (DESIGN §7): debootstrap a minimal Debian into a folder,
// add the few files a container needs, and `docker import` the folder as faultline/base:bookworm.

import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type Docker from "dockerode";
import { BASE_IMAGE } from "./names.ts";
import { followProgress } from "./json-progress.ts";
import { SUITE, type ImageMirror } from "./mirror.ts";
import { existingImage } from "./image-state.ts";
import { RECIPE_LABEL, recipeHash } from "./recipe.ts";

/** Tools every node needs for faults and diagnosis: iptables for partitions, ps/kill for process
 *  faults, nc and ping for checking links. Installed by debootstrap itself, which is faster than a
 *  later apt-get layer. */
export const BASE_PACKAGES = ["iptables", "iproute2", "procps", "netcat-openbsd", "iputils-ping"] as const;

/** Files added to the bootstrapped tree: path (relative to /) → mode and content. */
const ROOTFS_FILES: Record<string, { mode: number; content: string }> = {
  // Package postinst scripts would start their daemons (redis, zookeeper) during `docker build`;
  // exit 101 tells invoke-rc.d not to, as Debian's own container images do.
  "usr/sbin/policy-rc.d": { mode: 0o755, content: "#!/bin/sh\nexit 101\n" },
  // Recommends pull in hundreds of MB (documentation, X libraries for the JRE's extras).
  "etc/apt/apt.conf.d/90faultline": {
    mode: 0o644,
    content: 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\nAcquire::Languages "none";\n',
  },
};

const IMPORT_CHANGES = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["bash"]'];

export function baseRecipe(mirror: ImageMirror): Record<string, unknown> {
  return {
    image: BASE_IMAGE,
    suite: SUITE,
    variant: "minbase",
    packages: [...BASE_PACKAGES],
    mirror: mirror.mirror,
    sources: mirror.sourcesFile,
    files: ROOTFS_FILES,
    importChanges: IMPORT_CHANGES,
  };
}

function runStreaming(command: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > 8) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    child.on("error", (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}: ${tail.join(" | ")}`));
    });
  });
}

function prepareRootfs(rootfs: string, mirror: ImageMirror): void {
  for (const [path, file] of Object.entries(ROOTFS_FILES)) {
    const target = join(rootfs, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }
  // The host's mirror and suites, in one file; debootstrap's own sources.list names only the release.
  rmSync(join(rootfs, "etc/apt/sources.list"), { force: true });
  writeFileSync(join(rootfs, "etc/apt/sources.list.d/debian.sources"), mirror.sourcesFile);
  // Downloaded .debs and package lists would only bloat the image; every Dockerfile updates first.
  for (const dir of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
    const full = join(rootfs, dir);
    if (!existsSync(full)) continue;
    for (const entry of readdirSync(full)) {
      if (entry === "partial" || entry === "lock") continue;
      rmSync(join(full, entry), { recursive: true, force: true });
    }
  }
}

async function bootstrap(folder: string, mirror: ImageMirror, onProgress: (line: string) => void): Promise<string> {
  const rootfs = join(folder, "rootfs");
  const complete = join(folder, "complete");
  if (existsSync(complete)) {
    onProgress(`base: reusing bootstrapped tree ${rootfs}`);
    return rootfs;
  }
  if (process.getuid?.() !== 0) {
    throw new Error("building the base image runs debootstrap, which needs root; run 'faultline images build' as root");
  }
  // A tree left by an interrupted debootstrap cannot be resumed.
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  onProgress(`base: debootstrap --variant=minbase ${SUITE} from ${mirror.mirror}`);
  try {
    await runStreaming(
      "debootstrap",
      ["--variant=minbase", `--include=${BASE_PACKAGES.join(",")}`, SUITE, rootfs, mirror.mirror],
      (line) => onProgress(`base: ${line}`),
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = message.includes("cannot run debootstrap") ? "; install it with 'apt-get install debootstrap' or scripts/install-docker.sh" : "";
    throw new Error(`${message}${hint}`);
  }
  prepareRootfs(rootfs, mirror);
  writeFileSync(complete, new Date().toISOString() + "\n");
  return rootfs;
}

async function importTree(docker: Docker, rootfs: string, recipe: string, onProgress: (line: string) => void): Promise<void> {
  const [repo, tag] = BASE_IMAGE.split(":");
  // --numeric-owner: the host's user names are not the tree's.
  const tar = spawn("tar", ["-C", rootfs, "--numeric-owner", "-cf", "-", "."], { stdio: ["ignore", "pipe", "pipe"] });
  let tarError = "";
  tar.stderr.on("data", (chunk: Buffer) => (tarError += chunk.toString()));
  const tarDone = new Promise<void>((resolve, reject) => {
    tar.on("error", reject);
    tar.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tar of ${rootfs} exited with ${code}: ${tarError.trim()}`))));
  });
  const response = await docker.importImage(tar.stdout, {
    repo,
    tag,
    changes: [`LABEL ${RECIPE_LABEL}=${recipe}`, ...IMPORT_CHANGES],
  });
  await Promise.all([followProgress(response, (line) => onProgress(`base: import ${line}`)), tarDone]);
}

/** The old image's id if the name now points at a different one. */
export async function supersededId(docker: Docker, image: string, before: { id: string } | undefined): Promise<string | undefined> {
  if (!before) return undefined;
  const after = await existingImage(docker, image);
  return after && after.id !== before.id ? before.id : undefined;
}

export interface BuiltImage {
  image: string;
  recipe: string;
  /** False when the image with this recipe already existed. */
  built: boolean;
  seconds: number;
  /** Id of the older image this build replaced under the same name. */
  superseded?: string;
}

/** Makes sure faultline/base:bookworm exists with the current recipe. */
export async function ensureBaseImage(
  docker: Docker,
  options: { mirror: ImageMirror; cacheDir: string; force: boolean; onProgress: (line: string) => void },
): Promise<BuiltImage> {
  const started = performance.now();
  const recipe = recipeHash(baseRecipe(options.mirror));
  const before = await existingImage(docker, BASE_IMAGE);
  if (!options.force && before?.recipe === recipe) {
    options.onProgress(`base: ${BASE_IMAGE} is up to date (recipe ${recipe})`);
    return { image: BASE_IMAGE, recipe, built: false, seconds: (performance.now() - started) / 1000 };
  }
  const folder = join(options.cacheDir, `base-${recipe}`);
  if (options.force) rmSync(join(folder, "complete"), { force: true });
  const rootfs = await bootstrap(folder, options.mirror, options.onProgress);
  await importTree(docker, rootfs, recipe, options.onProgress);
  // Trees of older recipes are dead weight (~200 MB each).
  for (const entry of readdirSync(options.cacheDir)) {
    if (entry.startsWith("base-") && entry !== `base-${recipe}`) rmSync(join(options.cacheDir, entry), { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  options.onProgress(`base: built ${BASE_IMAGE} in ${seconds.toFixed(1)} s`);
  return { image: BASE_IMAGE, recipe, built: true, seconds, superseded: await supersededId(docker, BASE_IMAGE, before) };
}
