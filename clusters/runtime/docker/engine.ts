// Finding the Docker engine, and bringing one up on a fresh Debian machine (DESIGN §7: Docker is not
// on a fresh machine; our own script installs Debian's docker.io and starts dockerd when we are root).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import Docker from "dockerode";
import { sourcePath } from "../../../harness/source-path.ts";

export const INSTALL_SCRIPT = sourcePath(new URL("../../../scripts/install-docker.sh", import.meta.url));

export interface EnsureDockerOptions {
  /** Run scripts/install-docker.sh when the engine does not answer (root on Debian/Ubuntu only). */
  install: boolean;
  /** Receives the install script's output lines. */
  onProgress?: (line: string) => void;
}

/** A client for the engine named by DOCKER_HOST (read by dockerode itself), or the local socket. */
export function dockerClient(): Docker {
  return new Docker();
}

function engineAddress(): string {
  return process.env.DOCKER_HOST || "/var/run/docker.sock";
}

async function pingError(docker: Docker): Promise<string | undefined> {
  try {
    await docker.ping();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function canInstall(): boolean {
  return process.getuid?.() === 0 && existsSync("/etc/debian_version") && existsSync("/usr/bin/apt-get");
}

function runInstallScript(onProgress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [INSTALL_SCRIPT], { stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > 5) tail.shift();
        onProgress(line);
      }
    };
    child.stdout.on("data", forward);
    child.stderr.on("data", forward);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${INSTALL_SCRIPT} exited with ${code}: ${tail.join(" | ")}`));
    });
  });
}

/** Returns a client for an engine that answers, installing and starting one if allowed and possible;
 *  otherwise throws a one-line error that says what to do. */
export async function ensureDocker(options: EnsureDockerOptions): Promise<Docker> {
  const docker = dockerClient();
  const firstError = await pingError(docker);
  if (firstError === undefined) return docker;

  if (!options.install || !canInstall()) {
    const how = canInstall()
      ? `run 'bash ${INSTALL_SCRIPT}' (installs docker.io and starts dockerd)`
      : "start a Docker engine (as root on Debian/Ubuntu, scripts/install-docker.sh does it)";
    throw new Error(`Docker engine not reachable at ${engineAddress()} (${firstError}); ${how}`);
  }

  await runInstallScript(options.onProgress ?? (() => {}));
  const secondError = await pingError(docker);
  if (secondError !== undefined) {
    throw new Error(
      `Docker engine still not reachable at ${engineAddress()} after ${INSTALL_SCRIPT} (${secondError}); see /var/log/faultline-dockerd.log`,
    );
  }
  return docker;
}
