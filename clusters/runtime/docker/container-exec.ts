// `docker exec` through the engine API: a command run to completion (collecting its output), and
// a server started in the background whose PID we learn and whose exit we observe.

import { PassThrough } from "node:stream";
import type Docker from "dockerode";

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Bytes to write to the command's standard input. */
  stdin?: string;
}

function envList(env: Record<string, string> | undefined): string[] | undefined {
  return env ? Object.entries(env).map(([key, value]) => `${key}=${value}`) : undefined;
}

/** The exec's exit code once the engine reports it finished (it may lag the stream's end a little). */
async function exitCodeOf(exec: Docker.Exec): Promise<number | null> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

/** Runs `cmd` in the container and waits for it to finish. */
export async function execCollect(docker: Docker, container: Docker.Container, cmd: string[], options: ExecOptions = {}): Promise<ExecResult> {
  const exec = await container.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: options.stdin !== undefined,
    Env: envList(options.env),
    WorkingDir: options.cwd,
  });
  const stream = await exec.start({ hijack: true, stdin: options.stdin !== undefined });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk));
  stderr.on("data", (chunk: Buffer) => err.push(chunk));
  docker.modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", reject);
  });
  if (options.stdin !== undefined) {
    // Closing our half of the hijacked connection is what delivers EOF to the command.
    stream.end(options.stdin);
  }
  await ended;
  const exitCode = await exitCodeOf(exec);
  return {
    exitCode: exitCode ?? -1,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
  };
}

/** Runs `cmd` and throws, naming `what` and the command's stderr, unless it exits 0. */
export async function execChecked(docker: Docker, container: Docker.Container, what: string, cmd: string[], options: ExecOptions = {}): Promise<string> {
  const result = await execCollect(docker, container, cmd, options);
  if (result.exitCode !== 0) {
    throw new Error(`${what}: '${cmd.join(" ")}' exited with ${result.exitCode}: ${(result.stderr || result.stdout).trim()}`);
  }
  return result.stdout;
}

/** A server started with startServer. */
export interface ServerHandle {
  /** PID inside the container's PID namespace (what `kill` inside the container takes). */
  pid: number;
  /** Resolves with the exit code (null if the engine could not tell) when the server has exited. */
  exited: Promise<number | null>;
}

/** The wrapper records the server's PID (in a file, for people poking around, and on the exec's
 *  stdout, for us), then becomes the server: `exec` keeps the PID, so signals reach the server
 *  itself. Its output goes to the log file inside the container, which collectLogs copies out. */
const SERVER_WRAPPER = [
  'log="$1"; pidfile="$2"; shift 2',
  // A missing program fails start() itself, instead of a server that is gone before anyone looks.
  'command -v "$1" > /dev/null || { echo "$1: command not found in the container" >&2; exit 127; }',
  'mkdir -p "$(dirname "$log")" "$(dirname "$pidfile")"',
  'echo $$ > "$pidfile"',
  "echo $$",
  'exec "$@" >> "$log" 2>&1 < /dev/null',
].join("; ");

export async function startServer(
  docker: Docker,
  container: Docker.Container,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; logFile: string; pidFile: string; timeoutMs?: number },
): Promise<ServerHandle> {
  const exec = await container.exec({
    Cmd: ["sh", "-c", SERVER_WRAPPER, "faultline-server", options.logFile, options.pidFile, command, ...args],
    AttachStdout: true,
    AttachStderr: true,
    Env: envList(options.env),
    WorkingDir: options.cwd,
  });
  // Attached rather than detached: the stream stays open exactly as long as the server runs, so
  // its end tells us the server exited (crash, kill) without polling.
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  let wrapperOutput = "";
  const exited = new Promise<number | null>((resolve) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      exitCodeOf(exec).then(resolve, () => resolve(null));
    };
    stream.on("end", finish);
    stream.on("close", finish);
    // The container being removed under us also ends the server.
    stream.on("error", finish);
  });
  const pid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`starting ${command}: no PID from the wrapper within ${options.timeoutMs ?? 10_000} ms (output: ${wrapperOutput.trim()})`)),
      options.timeoutMs ?? 10_000,
    );
    const onData = (chunk: Buffer): void => {
      wrapperOutput += chunk.toString();
      const line = /^(\d+)\n/.exec(wrapperOutput);
      if (line) {
        clearTimeout(timer);
        stdout.off("data", onData);
        resolve(Number.parseInt(line[1], 10));
      }
    };
    stdout.on("data", onData);
    stderr.on("data", (chunk: Buffer) => (wrapperOutput += chunk.toString()));
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`starting ${command}: the wrapper exited with ${code} before reporting a PID: ${wrapperOutput.trim()}`));
    });
  });
  // Keep draining so a chatty wrapper can never block on a full pipe.
  stdout.resume();
  stderr.resume();
  return { pid, exited };
}
