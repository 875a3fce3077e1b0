// Recipe hashes: an image is rebuilt exactly when what it is made from changed. The hash is stored
// as a label on the image, so the check needs only the engine, not a cache file that can go stale.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const RECIPE_LABEL = "faultline.recipe";

/** JSON with object keys sorted at every depth, so equal values always serialise alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function recipeHash(recipe: unknown): string {
  return createHash("sha256").update(canonicalJson(recipe)).digest("hex").slice(0, 24);
}

/** Every file under `dir` (the build context) as relative path → content hash, with executability,
 *  which changes what COPY produces. */
export function directoryDigest(dir: string): Record<string, string> {
  const digest: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const executable = (statSync(path).mode & 0o111) !== 0 ? "x" : "-";
        const content = createHash("sha256").update(readFileSync(path)).digest("hex");
        digest[relative(dir, path).split(sep).join("/")] = `${executable}${content}`;
      }
    }
  };
  walk(dir);
  return digest;
}
