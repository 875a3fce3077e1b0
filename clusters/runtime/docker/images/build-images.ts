// `faultline images build [SYSTEM…]`: the base image, then one image per system from its folder's
// Dockerfile, each rebuilt only when its recipe (its folder's files and the base recipe) changed.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { ensureDocker } from "../runtime/docker/engine.ts";
import { ensureBaseImage, supersededId, type BuiltImage } from "./base-image.ts";
import { withBuildLock } from "./build-lock.ts";
import { imageCacheDir } from "./cache-dir.ts";
import { IMAGES_DIR, imageFolderFor, imageFolders, imageName } from "./catalog.ts";
import { existingImage, removeSuperseded } from "./image-state.ts";
import { followProgress } from "./json-progress.ts";
import { resolveImageMirror } from "./mirror.ts";
import { RECIPE_LABEL, directoryDigest, recipeHash } from "./recipe.ts";

export interface BuildImagesOptions {
  /** Receives every line of progress (debootstrap, import and build output), prefixed by image. */
  onProgress?: (line: string) => void;
  /** Rebuild even if an image with the same recipe exists (the base is bootstrapped again too). */
  force?: boolean;
  /** Install and start Docker if it is not running (root on Debian/Ubuntu). Default true. */
  installDocker?: boolean;
  /** Engine to use; default: ensureDocker(). */
  docker?: Docker;
  /** Folder of image folders; default clusters/images (tests point it elsewhere). */
  imagesDir?: string;
}

export function systemRecipe(folder: string, baseRecipeHash: string, imagesDir = IMAGES_DIR): string {
  return recipeHash({ image: folder, base: baseRecipeHash, context: directoryDigest(join(imagesDir, folder)) });
}

async function buildSystemImage(
  docker: Docker,
  folder: string,
  baseRecipeHash: string,
  options: { force: boolean; imagesDir: string; onProgress: (line: string) => void },
): Promise<BuiltImage> {
  const { force, imagesDir, onProgress } = options;
  const started = performance.now();
  const image = imageName(folder, imagesDir);
  const recipe = systemRecipe(folder, baseRecipeHash, imagesDir);
  const before = await existingImage(docker, image);
  if (!force && before?.recipe === recipe) {
    onProgress(`${folder}: ${image} is up to date (recipe ${recipe})`);
    return { image, recipe, built: false, seconds: (performance.now() - started) / 1000 };
  }
  onProgress(`${folder}: building ${image}`);
  const context = join(imagesDir, folder);
  const response = await docker.buildImage(
    { context, src: readdirSync(context) },
    {
      t: image,
      labels: { [RECIPE_LABEL]: recipe },
      // Classic builder (no BuildKit on Debian's engine); FROM faultline/base is local, never pulled.
      version: "1",
      pull: false,
      rm: true,
      forcerm: true,
      nocache: force,
    },
  );
  await followProgress(response, (line) => onProgress(`${folder}: ${line}`));
  const seconds = (performance.now() - started) / 1000;
  onProgress(`${folder}: built ${image} in ${seconds.toFixed(1)} s`);
  return { image, recipe, built: true, seconds, superseded: await supersededId(docker, image, before) };
}

async function prepare(options: BuildImagesOptions): Promise<{ docker: Docker; run: <T>(fn: () => Promise<T>) => Promise<T>; base: () => Promise<BuiltImage> }> {
  const onProgress = options.onProgress ?? (() => {});
  const docker = options.docker ?? (await ensureDocker({ install: options.installDocker ?? true, onProgress }));
  const mirror = resolveImageMirror();
  const cacheDir = imageCacheDir();
  return {
    docker,
    run: (fn) => withBuildLock(join(cacheDir, "build.lock"), onProgress, fn),
    base: () => ensureBaseImage(docker, { mirror, cacheDir, force: options.force ?? false, onProgress }),
  };
}

/** Builds only faultline/base:bookworm (cached by recipe), for runtimes that need no system. */
export async function buildBaseImage(options: BuildImagesOptions = {}): Promise<BuiltImage> {
  const { docker, run, base } = await prepare(options);
  return run(async () => {
    const built = await base();
    if (built.superseded) await removeSuperseded(docker, [built.superseded]);
    return built;
  });
}

/** Builds the base image and the images of `systems` (all images when empty). Returns one entry per
 *  image, base first, saying whether it was built and how long it took. */
export async function buildImages(systems: readonly string[], options: BuildImagesOptions = {}): Promise<BuiltImage[]> {
  const onProgress = options.onProgress ?? (() => {});
  const force = options.force ?? false;
  const imagesDir = options.imagesDir ?? IMAGES_DIR;
  // Resolve names before any slow step so a typo fails at once.
  const folders = systems.length === 0 ? imageFolders(imagesDir) : [...new Set(systems.map((system) => imageFolderFor(system, imagesDir)))];
  const { docker, run, base } = await prepare(options);
  return run(async () => {
    const baseImage = await base();
    const results: BuiltImage[] = [baseImage];
    // One at a time: builds are apt downloads and dpkg runs, and the machine's cores are shared.
    for (const folder of folders) {
      results.push(await buildSystemImage(docker, folder, baseImage.recipe, { force, imagesDir, onProgress }));
    }
    const superseded = results.map((r) => r.superseded).filter((id): id is string => id !== undefined);
    for (const id of await removeSuperseded(docker, superseded)) onProgress(`removed superseded image ${id}`);
    return results;
  });
}
