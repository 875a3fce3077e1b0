// `faultline images build [SYSTEM…]`: the base image, then each image its caller names (the
// systems' images, which the caller looks up in the registry), each rebuilt only when its recipe
// (its build context's files and the base recipe) changed.

import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { ensureDocker } from "../engine.ts";
import { ensureBaseImage, supersededId, type BuiltImage } from "./base-image.ts";
import { withBuildLock } from "./build-lock.ts";
import { imageCacheDir } from "./cache-dir.ts";
import { imageReference, type ImageSource } from "./names.ts";
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
}

export function imageRecipe(source: ImageSource, baseRecipeHash: string): string {
  return recipeHash({ image: source.name, base: baseRecipeHash, context: directoryDigest(source.context) });
}

async function buildSystemImage(docker: Docker, source: ImageSource, baseRecipeHash: string, options: { force: boolean; onProgress: (line: string) => void }): Promise<BuiltImage> {
  const { force, onProgress } = options;
  const { name, context } = source;
  const started = performance.now();
  const image = imageReference(source);
  const recipe = imageRecipe(source, baseRecipeHash);
  const before = await existingImage(docker, image);
  if (!force && before?.recipe === recipe) {
    onProgress(`${name}: ${image} is up to date (recipe ${recipe})`);
    return { image, recipe, built: false, seconds: (performance.now() - started) / 1000 };
  }
  onProgress(`${name}: building ${image}`);
  const built = source.assemble ? await assembledContext(source, source.assemble, onProgress) : context;
  try {
    await buildFrom(docker, built, image, recipe, { force, onProgress: (line) => onProgress(`${name}: ${line}`) });
  } finally {
    if (built !== context) rmSync(built, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  onProgress(`${name}: built ${image} in ${seconds.toFixed(1)} s`);
  return { image, recipe, built: true, seconds, superseded: await supersededId(docker, image, before) };
}

/** A copy of the context (in the image cache, not the repository) with the fetched files added. */
async function assembledContext(source: ImageSource, assemble: NonNullable<ImageSource["assemble"]>, onProgress: (line: string) => void): Promise<string> {
  const into = join(imageCacheDir(), "contexts", source.name);
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  cpSync(source.context, into, { recursive: true });
  await assemble(into, (line) => onProgress(`${source.name}: ${line}`));
  return into;
}

async function buildFrom(docker: Docker, context: string, image: string, recipe: string, options: { force: boolean; onProgress: (line: string) => void }): Promise<void> {
  const { force, onProgress } = options;
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
  await followProgress(response, onProgress);
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

/** Builds the base image and `images` (an image two systems share is built once). Returns one
 *  entry per image, base first, saying whether it was built and how long it took. */
export async function buildImages(images: readonly ImageSource[], options: BuildImagesOptions = {}): Promise<BuiltImage[]> {
  const onProgress = options.onProgress ?? (() => {});
  const force = options.force ?? false;
  const sources = distinct(images);
  const { docker, run, base } = await prepare(options);
  return run(async () => {
    const baseImage = await base();
    const results: BuiltImage[] = [baseImage];
    // One at a time: builds are apt downloads and dpkg runs, and the machine's cores are shared.
    for (const source of sources) {
      results.push(await buildSystemImage(docker, source, baseImage.recipe, { force, onProgress }));
    }
    const superseded = results.map((r) => r.superseded).filter((id): id is string => id !== undefined);
    for (const id of await removeSuperseded(docker, superseded)) onProgress(`removed superseded image ${id}`);
    return results;
  });
}

/** Each image once; two different build contexts under one name would overwrite each other. */
function distinct(images: readonly ImageSource[]): ImageSource[] {
  const byName = new Map<string, ImageSource>();
  for (const image of images) {
    const known = byName.get(image.name);
    if (known && known.context !== image.context) {
      throw new Error(`two build contexts for image ${imageReference(image)}: ${known.context} and ${image.context}; a system that shares another's image names that one`);
    }
    byName.set(image.name, image);
  }
  return [...byName.values()];
}
