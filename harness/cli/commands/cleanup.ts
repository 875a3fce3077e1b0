// `faultline cleanup` — remove what killed runs left behind: node processes (recorded in state
// files under the store) and, where Docker is reachable, containers and networks labelled ours.

import type { Command } from "commander";
import { cleanupLeftovers, type CleanupResult } from "../../../clusters/runtime/local/cleanup.ts";
import { storeStateDir } from "../../../clusters/runtime/local/run-state.ts";
import { DEFAULT_SPEC } from "../../spec/test-spec.ts";

export function registerCleanupCommand(program: Command): void {
  program
    .command("cleanup")
    .description("kill node processes and remove containers/networks that killed runs left behind")
    .option("--store <dir>", "the store whose runs to clean up", DEFAULT_SPEC.store)
    .option("--no-docker", "do not look for Docker leftovers")
    .action(async (opts: { store: string; docker: boolean }) => {
      // cleanupLeftovers takes the store itself and finds <store>/.faultline/runs on its own.
      const local = await cleanupLeftovers(opts.store);
      process.stdout.write(describeLocal(local, storeStateDir(opts.store)) + "\n");
      if (opts.docker) {
        const { cleanupDockerIfReachable } = await import("../../../clusters/runtime/docker/cleanup.ts");
        const docker = await cleanupDockerIfReachable();
        process.stdout.write(docker.reachable ? `docker: removed ${docker.containers.length} container(s), ${docker.networks.length} network(s)\n` : "docker: engine not reachable, nothing to do\n");
      }
    });
}

function describeLocal(local: CleanupResult, stateDir: string): string {
  if (local.killed.length === 0 && local.files.length === 0 && local.skipped.length === 0) {
    return `local: nothing to clean up (no state files of dead runs under ${stateDir} or in the store's run directories)`;
  }
  const killed = `killed ${local.killed.length} process(es)${local.killed.length ? ` (pids ${local.killed.join(", ")})` : ""}`;
  const removed = `removed ${local.files.length} state file(s)${local.clockFiles.length ? ` and ${local.clockFiles.length} clock offset(s) left by a clock fault` : ""}`;
  const left = local.skipped.length ? `; left ${local.skipped.length}: ${local.skipped.map((s) => `${s.file}: ${s.reason}`).join("; ")}` : "";
  return `local: ${killed}, ${removed}${left}`;
}
