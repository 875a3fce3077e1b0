// `faultline cleanup` for Docker: removes the containers and networks of runs whose harness is gone
// (killed, crashed). Runs whose harness still lives are left alone unless asked, since several
// harnesses may share one engine.

import type Docker from "dockerode";
import { dockerClient } from "./engine.ts";
import { OWNER_LABEL, RUN_LABEL, ownerAlive } from "./owner.ts";

export interface DockerCleanupResult {
  /** Names of the removed containers. */
  containers: string[];
  /** Names of the removed networks. */
  networks: string[];
  /** Run ids left alone because their harness still runs. */
  skippedLiveRuns: string[];
}

export interface DockerCleanupOptions {
  docker?: Docker;
  /** Also remove runs whose harness still runs (default false). */
  includeLive?: boolean;
  /** Only this run's resources (default: every run). */
  runId?: string;
}

function isGone(error: unknown): boolean {
  const code = (error as { statusCode?: number }).statusCode;
  return code === 404 || code === 409;
}

export async function cleanupDocker(options: DockerCleanupOptions = {}): Promise<DockerCleanupResult> {
  const docker = options.docker ?? dockerClient();
  const labelFilter = options.runId ? `${RUN_LABEL}=${options.runId}` : RUN_LABEL;
  const filters = JSON.stringify({ label: [labelFilter] });
  const keep = (labels: Record<string, string> | undefined): boolean => !options.includeLive && ownerAlive(labels?.[OWNER_LABEL]);

  const result: DockerCleanupResult = { containers: [], networks: [], skippedLiveRuns: [] };
  const skipped = new Set<string>();

  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map(async (info) => {
      if (keep(info.Labels)) {
        skipped.add(info.Labels[RUN_LABEL]);
        return;
      }
      try {
        await docker.getContainer(info.Id).remove({ force: true });
      } catch (error) {
        if (!isGone(error)) throw error;
      }
      result.containers.push((info.Names[0] ?? info.Id).replace(/^\//, ""));
    }),
  );

  const networks = await docker.listNetworks({ filters });
  for (const info of networks) {
    if (keep(info.Labels) || skipped.has(info.Labels?.[RUN_LABEL] ?? "")) {
      skipped.add(info.Labels?.[RUN_LABEL] ?? info.Name);
      continue;
    }
    try {
      await docker.getNetwork(info.Id).remove();
    } catch (error) {
      if (!isGone(error)) throw new Error(`removing network ${info.Name}: ${(error as Error).message}`);
    }
    result.networks.push(info.Name);
  }
  result.containers.sort();
  result.networks.sort();
  result.skippedLiveRuns = [...skipped].sort();
  return result;
}

/** cleanupDocker when an engine answers; `reachable: false` (and nothing removed) otherwise. */
export async function cleanupDockerIfReachable(options: DockerCleanupOptions = {}): Promise<DockerCleanupResult & { reachable: boolean }> {
  const docker = options.docker ?? dockerClient();
  try {
    await docker.ping();
  } catch {
    return { reachable: false, containers: [], networks: [], skippedLiveRuns: [] };
  }
  return { reachable: true, ...(await cleanupDocker({ ...options, docker })) };
}
