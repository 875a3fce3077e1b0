import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systems } from "../../../../harness/run/registry.ts";
import { BASE_IMAGE, imageReference, systemImages } from "./names.ts";

describe("image names", () => {
  it("every system that runs on docker names an image whose Dockerfile builds FROM the base", () => {
    for (const system of Object.values(systems)) {
      expect(system.docker !== undefined, `${system.name}: runtimes ${system.runtimes.join(", ")} and its docker layout`).toBe(system.runtimes.includes("docker"));
      if (!system.docker) continue;
      expect(readFileSync(join(system.docker.image.context, "Dockerfile"), "utf8")).toMatch(new RegExp(`^FROM ${BASE_IMAGE}$`, "m"));
    }
  });

  it("resolves systems to their images, every one when none is named", () => {
    expect(systemImages(systems, ["etcd", "redis-sentinel"]).map(imageReference)).toEqual(["faultline/etcd:bookworm", "faultline/redis:bookworm"]);
    const everyImage = systemImages(systems, []).map(imageReference);
    expect(everyImage).toEqual(expect.arrayContaining(["faultline/etcd:bookworm", "faultline/raft:bookworm", "faultline/redis:bookworm", "faultline/zookeeper:bookworm"]));
    expect(everyImage).toHaveLength(Object.values(systems).filter((system) => system.docker !== undefined).length);
    expect(() => systemImages(systems, ["mongodb"])).toThrow(/^no Docker image for system "mongodb"; systems with one: .*etcd/);
    // A system that runs only locally has no image to build.
    expect(() => systemImages({ ...systems, "local-only": {} }, ["local-only"])).toThrow(/no Docker image for system "local-only"/);
  });
});
