// Which image each system runs in. One folder per image under clusters/images/ holds its build
// context (a Dockerfile FROM the base); systems that share an image are aliases of it.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const IMAGES_DIR = fileURLToPath(new URL(".", import.meta.url));

export const IMAGE_TAG = "bookworm";
export const BASE_IMAGE = `faultline/base:${IMAGE_TAG}`;

/** Systems whose folder name differs from the image they run in. Our own ZAB node runs on the same
 *  Node.js setup as our Raft node; Redis Sentinel is the redis image (it holds both servers). */
const ALIASES: Record<string, string> = {
  "redis-sentinel": "redis",
  zab: "raft",
};

/** Image folders: every folder here with a Dockerfile. */
export function imageFolders(imagesDir = IMAGES_DIR): string[] {
  return readdirSync(imagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(imagesDir, entry.name, "Dockerfile")))
    .map((entry) => entry.name)
    .sort();
}

/** The image folder for a system name (or an image folder name itself). */
export function imageFolderFor(system: string, imagesDir = IMAGES_DIR): string {
  const folder = ALIASES[system] ?? system;
  const known = imageFolders(imagesDir);
  if (!known.includes(folder)) {
    const names = [...known, ...Object.keys(ALIASES)].sort();
    throw new Error(`no Docker image for system "${system}" in ${imagesDir}; known: ${names.join(", ")}`);
  }
  return folder;
}

/** The image a system's containers run, e.g. faultline/redis:bookworm. */
export function imageName(system: string, imagesDir = IMAGES_DIR): string {
  return `faultline/${imageFolderFor(system, imagesDir)}:${IMAGE_TAG}`;
}
