// Which OS user the server runs as. PostgreSQL refuses to run as root, so a root harness hands the
// server to the `postgres` user that Debian's package creates. setpriv switches user and then
// execs, so the process the runtime spawned *is* the postmaster: its SIGKILL and SIGSTOP land on
// the server itself, not on a wrapper that would forward some signals and swallow others (as
// runuser/su, which fork and wait, would).

import type { Runtime } from "../runtime/runtime.ts";

export const SERVER_USER = "postgres";

export type ServerUser =
  /** The harness is not root: the server runs as the harness's own user. */
  | { kind: "current" }
  /** The harness is root: programs run through setpriv as `name`. */
  | { kind: "switch"; name: string };

export function serverUser(): ServerUser {
  return process.getuid?.() === 0 ? { kind: "switch", name: SERVER_USER } : { kind: "current" };
}

/** `command args` as the server user would run them. */
export function asServerUser(user: ServerUser, command: string, args: readonly string[]): { command: string; args: string[] } {
  if (user.kind === "current") return { command, args: [...args] };
  return { command: "setpriv", args: [`--reuid=${user.name}`, `--regid=${user.name}`, "--init-groups", "--", command, ...args] };
}

/** Throws, saying what to do, unless the server user exists on `node`. */
export async function requireServerUser(runtime: Runtime, node: string, user: ServerUser): Promise<void> {
  if (user.kind === "current") return;
  const result = await runtime.exec(node, "id", ["-u", user.name]);
  if (result.exitCode !== 0) {
    throw new Error(`postgres on ${node}: running as root needs the OS user "${user.name}" to run the server (PostgreSQL refuses root), and it does not exist (${result.stderr.trim()}); install postgresql-15 (scripts/install-postgres.sh), which creates it, or run the harness as a non-root user`);
  }
}
