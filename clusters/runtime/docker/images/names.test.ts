import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BASE_IMAGE, IMAGES_DIR, imageFolderFor, imageFolders, imageName } from "./catalog.ts";

describe("image catalog", () => {
  it("has one image folder per packaged system, each FROM the base", () => {
    expect(imageFolders()).toEqual(["etcd", "raft", "redis", "zookeeper"]);
    for (const folder of imageFolders()) {
      expect(readFileSync(join(IMAGES_DIR, folder, "Dockerfile"), "utf8")).toMatch(new RegExp(`^FROM ${BASE_IMAGE}$`, "m"));
    }
  });

  it("maps systems and aliases to images", () => {
    expect(imageName("etcd")).toBe("faultline/etcd:bookworm");
    expect(imageName("redis-sentinel")).toBe("faultline/redis:bookworm");
    expect(imageFolderFor("zab")).toBe("raft");
    expect(() => imageName("mongodb")).toThrow(/no Docker image for system "mongodb".*known: .*etcd/);
  });
});
