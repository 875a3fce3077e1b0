import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baseRecipe } from "./base-image.ts";
import { imageRecipe } from "./build-images.ts";
import { canonicalJson, directoryDigest, recipeHash } from "./recipe.ts";

describe("recipe hashing", () => {
  it("does not depend on key order, and skips undefined fields", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe('{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(recipeHash({ a: 1, b: 2 })).toBe(recipeHash({ b: 2, a: 1 }));
    expect(recipeHash({ a: 1 })).not.toBe(recipeHash({ a: 2 }));
    expect(recipeHash([1, 2])).not.toBe(recipeHash([2, 1]));
  });

  it("digests a build context by content and executability, not timestamps", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-recipe-"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "Dockerfile"), "FROM x\n");
    writeFileSync(join(dir, "sub", "run.sh"), "echo hi\n");
    const before = directoryDigest(dir);
    expect(Object.keys(before).sort()).toEqual(["Dockerfile", "sub/run.sh"]);
    writeFileSync(join(dir, "Dockerfile"), "FROM x\n");
    expect(directoryDigest(dir)).toEqual(before);
    chmodSync(join(dir, "sub", "run.sh"), 0o755);
    expect(directoryDigest(dir)["sub/run.sh"]).not.toBe(before["sub/run.sh"]);
  });

  it("changes a system's recipe when its context or the base recipe changes", () => {
    const images = mkdtempSync(join(tmpdir(), "faultline-images-"));
    mkdirSync(join(images, "demo"));
    writeFileSync(join(images, "demo", "Dockerfile"), "FROM faultline/base:bookworm\n");
    const demo = { name: "demo", context: join(images, "demo") };
    const first = imageRecipe(demo, "base-1");
    expect(imageRecipe(demo, "base-1")).toBe(first);
    expect(imageRecipe(demo, "base-2")).not.toBe(first);
    writeFileSync(join(images, "demo", "Dockerfile"), "FROM faultline/base:bookworm\nRUN true\n");
    expect(imageRecipe(demo, "base-1")).not.toBe(first);
  });

  it("changes the base recipe with the mirror's sources", () => {
    const a = recipeHash(baseRecipe({ mirror: "http://m/debian", sourcesFile: "Types: deb\n" }));
    const b = recipeHash(baseRecipe({ mirror: "http://m/debian", sourcesFile: "Types: deb\nURIs: x\n" }));
    expect(a).not.toBe(b);
  });
});
