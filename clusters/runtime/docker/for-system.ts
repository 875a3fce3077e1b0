// The docker runtime as the runner wants it for one test: the system's image, its fixed ports, and
// for our own nodes the harness's Node.js and this repository mounted in at their host paths.

import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { TestSpec } from "../../../harness/spec/test-spec.ts";
import { imageFolderFor, imageName } from "../../images/catalog.ts";
import type { Runtime } from "../runtime.ts";
import { DockerRuntime } from "./docker-runtime.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");

interface ImageLayout {
  clientPort: number;
  peerPort: number;
  /** Log folders the packaged servers write besides our own. */
  logDirs?: string[];
  /** Mount the repository and the harness's node binary (our own Raft / ZAB nodes). */
  mountRepo?: boolean;
}

/** Per image folder: the products' well-known ports (each container has its own address, so every
 *  node uses the same ones). Extra ports a product needs (ZooKeeper's election port, Sentinel's
 *  port) are fixed by its system; partitions cut whole addresses, so they are cut too. */
const LAYOUTS: Record<string, ImageLayout> = {
  raft: { clientPort: 7000, peerPort: 7100, mountRepo: true },
  redis: { clientPort: 6379, peerPort: 6379, logDirs: ["/var/log/redis"] },
  etcd: { clientPort: 2379, peerPort: 2380 },
  zookeeper: { clientPort: 2181, peerPort: 2888, logDirs: ["/var/log/zookeeper"] },
};

/** Same paths inside as outside, so a system builds one ProcessSpec (process.execPath, an absolute
 *  script path) for both runtimes. The harness's own node, not Debian's 18, runs our nodes: the
 *  code targets the Node.js the harness runs on. */
export function ownNodeBinds(): string[] {
  return [`${REPO_ROOT}:${REPO_ROOT}:ro`, `${process.execPath}:${process.execPath}:ro`];
}

export function dockerRunId(testName: string): string {
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 24) || "run";
  return `${slug}-${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
}

export async function createDockerRuntimeFor(spec: TestSpec, dir: string): Promise<Runtime> {
  const folder = imageFolderFor(spec.system);
  const layout = LAYOUTS[folder];
  if (!layout) throw new Error(`docker runtime: no port layout for image ${folder} (system ${spec.system}); add one to clusters/runtime/docker/for-system.ts`);
  return DockerRuntime.create({
    nodes: Array.from({ length: spec.nodes }, (_, i) => `n${i + 1}`),
    image: imageName(spec.system),
    runId: dockerRunId(spec.name),
    dir,
    clientPort: layout.clientPort,
    peerPort: layout.peerPort,
    logDirs: layout.logDirs,
    binds: layout.mountRepo ? ownNodeBinds() : undefined,
  });
}
