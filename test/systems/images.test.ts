// The offline images: built from debootstrap and Debian packages, cached by recipe, and each able
// to run its system's server. Needs root; installs Docker and builds images if missing.

import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerRuntime } from "../../clusters/runtime/docker/docker-runtime.ts";
import { ensureDocker } from "../../clusters/runtime/docker/engine.ts";
import { ownNodeBinds } from "../../clusters/runtime/docker/for-system.ts";
import { buildImages } from "../../clusters/runtime/docker/images/build-images.ts";
import { imageReference, systemImages } from "../../clusters/runtime/docker/images/names.ts";
import { systems } from "../../harness/run/registry.ts";
import { faultline } from "../support/cli.ts";
import { uniqueRunId } from "./helpers/docker-probes.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
let docker: Docker;

beforeAll(async () => {
  docker = await ensureDocker({ install: true, onProgress: (line) => console.log(line) });
  const started = performance.now();
  const results = await buildImages(systemImages(systems, []), { docker, onProgress: (line) => console.log(line) });
  console.log(`images ready in ${((performance.now() - started) / 1000).toFixed(1)} s: ${results.map((r) => `${r.image} ${r.built ? `built ${r.seconds.toFixed(1)} s` : "cached"}`).join(", ")}`);
});

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

describe("image cache", () => {
  it("a second build of every image reuses them all", async () => {
    const started = performance.now();
    const results = await buildImages(systemImages(systems, []), { docker });
    const seconds = (performance.now() - started) / 1000;
    console.log(`cached build of all images: ${seconds.toFixed(2)} s`);
    expect(results[0].image).toBe("faultline/base:bookworm");
    const everyImage = [...new Set(systemImages(systems, []).map(imageReference))].sort();
    expect(everyImage).toEqual(expect.arrayContaining(["faultline/etcd:bookworm", "faultline/raft:bookworm", "faultline/redis:bookworm", "faultline/zookeeper:bookworm"]));
    expect(results.slice(1).map((r) => r.image).sort()).toEqual(everyImage);
    expect(results.filter((r) => r.built)).toEqual([]);
  });

  describe("an image whose recipe changes", () => {
    const imagesDir = mkdtempSync(join(tmpdir(), "faultline-images-"));
    const folder = uniqueRunId("systest-image");
    const source = { name: folder, context: join(imagesDir, folder) };
    const write = (extra: string): void => {
      mkdirSync(join(imagesDir, folder), { recursive: true });
      writeFileSync(join(imagesDir, folder, "Dockerfile"), `FROM faultline/base:bookworm\nRUN echo ${extra} > /recipe\n`);
    };
    afterAll(async () => {
      await docker.getImage(`faultline/${folder}:bookworm`).remove({ force: true }).catch(() => undefined);
    });

    it("is rebuilt exactly when its build context changed, and shows the build output", async () => {
      write("one");
      const lines: string[] = [];
      const first = await buildImages([source], { docker, onProgress: (line) => lines.push(line) });
      expect(first[1]).toMatchObject({ image: `faultline/${folder}:bookworm`, built: true });
      expect(lines.some((line) => line.includes("RUN echo one > /recipe"))).toBe(true);

      const again = await buildImages([source], { docker });
      expect(again[1]).toMatchObject({ built: false, recipe: first[1].recipe });

      const firstId = (await docker.getImage(`faultline/${folder}:bookworm`).inspect()).Id;
      write("two");
      const changed = await buildImages([source], { docker });
      expect(changed[1].built).toBe(true);
      // The replaced image does not linger as an untagged layer stack.
      expect(changed[1].superseded).toBe(firstId);
      await expect(docker.getImage(firstId).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(changed[1].recipe).not.toBe(first[1].recipe);
      const label = (await docker.getImage(`faultline/${folder}:bookworm`).inspect()).Config.Labels["faultline.recipe"];
      expect(label).toBe(changed[1].recipe);
    });

    it("fails with the engine's error when a build step fails", async () => {
      mkdirSync(join(imagesDir, `${folder}-broken`), { recursive: true });
      writeFileSync(join(imagesDir, `${folder}-broken`, "Dockerfile"), "FROM faultline/base:bookworm\nRUN exit 7\n");
      await expect(buildImages([{ name: `${folder}-broken`, context: join(imagesDir, `${folder}-broken`) }], { docker })).rejects.toThrow(/returned a non-zero code: 7/);
    });
  });

  it("faultline images build: an unknown system is one line naming those with an image, before anything slow", async () => {
    const result = await faultline(["images", "build", "no-such-system"], { timeoutMs: 30_000 });
    expect(result.code).toBe(254);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^faultline: no Docker image for system "no-such-system"; systems with one: .*etcd/)]);
  });
});

describe("each image runs its servers", () => {
  async function withNode<T>(image: string, fn: (runtime: DockerRuntime) => Promise<T>, extra: { binds?: string[]; logDirs?: string[] } = {}): Promise<T> {
    const runtime = await DockerRuntime.create({ nodes: ["n1"], image, runId: uniqueRunId("systest-img"), clientPort: 1, peerPort: 2, ...extra, docker });
    try {
      return await fn(runtime);
    } finally {
      await runtime.teardown();
    }
  }

  it("redis: redis-server answers PING, redis-sentinel is there, and its log folder is collected", async () => {
    await withNode(
      imageReference({ name: "redis" }),
      async (runtime) => {
        await runtime.start("n1", { command: "redis-server", args: ["--port", "6379", "--save", "", "--appendonly", "no", "--logfile", "/var/log/redis/server.log"] });
        await waitFor("redis answers PING", async () => (await runtime.exec("n1", "redis-cli", ["PING"])).stdout.trim() === "PONG");
        expect((await runtime.exec("n1", "redis-sentinel", ["--version"])).stdout).toMatch(/v=7\./);
        const logs = mkdtempSync(join(tmpdir(), "faultline-redis-logs-"));
        await runtime.collectLogs(logs);
        expect(readFileSync(join(logs, "n1", "redis", "server.log"), "utf8")).toMatch(/Ready to accept connections/);
      },
      { logDirs: ["/var/log/redis"] },
    );
  });

  it("etcd: a one-member cluster reports healthy through etcdctl", async () => {
    await withNode(imageReference({ name: "etcd" }), async (runtime) => {
      const dataDir = runtime.node("n1").dataDir;
      await runtime.start("n1", { command: "etcd", args: ["--name", "n1", "--data-dir", `${dataDir}/etcd`, "--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls", `http://${runtime.node("n1").host}:2379`] });
      await waitFor("etcd is healthy", async () => (await runtime.exec("n1", "etcdctl", ["--endpoints", "http://127.0.0.1:2379", "endpoint", "health"])).exitCode === 0);
    });
  });

  it("zookeeper: zkServer.sh start-foreground serves clients", async () => {
    await withNode(imageReference({ name: "zookeeper" }), async (runtime) => {
      const dataDir = runtime.node("n1").dataDir;
      await runtime.exec("n1", "sh", ["-c", `printf 'tickTime=2000\\ndataDir=${dataDir}/zk\\nclientPort=2181\\n4lw.commands.whitelist=srvr\\n' > /tmp/zoo.cfg`]);
      await runtime.start("n1", { command: "/usr/share/zookeeper/bin/zkServer.sh", args: ["start-foreground", "/tmp/zoo.cfg"] });
      // Bounded: a starting server may accept the connection and never answer nor close it, and
      // nc then waits for ever (seen once: one probe hung the whole suite).
      await waitFor(
        "zookeeper answers srvr",
        async () => (await runtime.exec("n1", "sh", ["-c", "echo srvr | timeout 5 nc -q 1 -w 2 127.0.0.1 2181"])).stdout.includes("Mode: standalone"),
        60_000,
      );
      // zkServer.sh execs java, so the PID the runtime signals is the JVM's.
      const comm = await runtime.exec("n1", "ps", ["-o", "comm=", "-p", String(runtime.serverPid("n1"))]);
      expect(comm.stdout.trim()).toBe("java");
    });
  });

  it("raft: the harness's own node runs this repository's TypeScript inside the container", async () => {
    await withNode(
      imageReference({ name: "raft" }),
      async (runtime) => {
        const result = await runtime.exec("n1", "sh", ["-c", `cd ${REPO_ROOT} && ${process.execPath} --import tsx -e "import('${REPO_ROOT}/harness/rng.ts').then((m) => console.log(process.version, typeof m.Rng))"`]);
        expect(result.stderr).toBe("");
        expect(result.stdout.trim()).toBe(`${process.version} function`);
      },
      { binds: ownNodeBinds() },
    );
  });
});
