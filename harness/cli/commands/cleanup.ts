// `faultline cleanup` — remove what killed runs left behind: node processes (recorded in state
// files under the store) and, where Docker is reachable, containers and networks labelled ours.

import type { Command } from "commander";
import { join } from "node:path";
import { cleanupLeftovers } from "../../../clusters/runtime/local/cleanup.ts";
import { DEFAULT_SPEC } from "../../spec/test-spec.ts";

export function registerCleanupCommand(program: Command): void {
  program
    .command("cleanup")
    .description("kill node processes and remove containers/networks that killed runs left behind")
    .option("--store <dir>", "the store whose runs to clean up", DEFAULT_SPEC.store)
    .option("--no-docker", "do not look for Docker leftovers")
    .action(async (opts: { store: string; docker: boolean }) => {
      const local = await cleanupLeftovers(join(opts.store, ".faultline"));
      process.stdout.write(`local: killed ${local.killed.length} process group(s)${local.killed.length ? ` (${local.killed.join(", ")})` : ""}, removed ${local.files.length} state file(s)${local.skipped.length ? `, left ${local.skipped.length} (${local.skipped.map((s) => `${s.file}: ${s.reason}`).join("; ")})` : ""}\n`);
      if (opts.docker) {
        const { cleanupDockerIfReachable } = await import("../../../clusters/runtime/docker/cleanup.ts");
        const docker = await cleanupDockerIfReachable();
        process.stdout.write(docker.reachable ? `docker: removed ${docker.containers.length} container(s), ${docker.networks.length} network(s)\n` : "docker: engine not reachable, nothing to do\n");
      }
    });
}
