// The docker runtime as a system's layout asks for it: the system's image, its fixed ports, and for
// our own nodes the harness's Node.js and this repository mounted in at their host paths.

import { randomBytes } from "node:crypto";
import { REPO_ROOT } from "../../../harness/source-path.ts";
import type { Runtime } from "../runtime.ts";
import { DockerRuntime } from "./docker-runtime.ts";
import { imageReference } from "./images/names.ts";
import type { DockerLayout } from "./layout.ts";


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

export interface SystemRuntimeOptions {
  nodes: readonly string[];
  /** Names the run's containers and network, so `docker ps` tells runs apart. */
  testName: string;
  /** Host folder for the runtime's record of what it created. */
  dir: string;
}

export async function createDockerRuntimeFor(layout: DockerLayout, options: SystemRuntimeOptions): Promise<Runtime> {
  return DockerRuntime.create({
    nodes: options.nodes,
    image: imageReference(layout.image),
    runId: dockerRunId(options.testName),
    dir: options.dir,
    clientPort: layout.clientPort,
    peerPort: layout.peerPort,
    logDirs: layout.logDirs,
    binds: layout.mountRepo ? ownNodeBinds() : undefined,
    pauseWith: layout.pauseWith,
    faketime: layout.faketime,
  });
}
