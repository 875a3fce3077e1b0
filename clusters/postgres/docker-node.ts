// One PostgreSQL node in a container of the docker runtime (the replicated topology): its data
// directory, initdb for the first primary, pg_basebackup for a standby, pg_rewind for an old primary
// that rejoins, and the postmaster started through the runtime as the postgres user (setpriv execs,
// so the runtime's SIGKILL lands on the postmaster itself).
//
// A SIGKILLed postmaster leaves its backends behind, which end themselves once they notice (they
// watch the postmaster's death pipe) but may still hold its shared memory; before a start, every
// process of the postgres user in the container is killed (the container runs nothing else of
// it). Pause is the cgroup freezer (system.ts: pauseWith), which stops every backend at once.

import type { ProcessSpec, Runtime } from "../runtime/runtime.ts";
import { SUPERUSER } from "./connection.ts";
import { settingsArgs } from "./server-settings.ts";
import { asServerUser, SERVER_USER } from "./server-user.ts";

export const DOCKER_PORT = 5432;
const BINDIR = "/usr/lib/postgresql/15/bin";
const USER = { kind: "switch", name: SERVER_USER } as const;

function dockerDataDir(runtime: Runtime, node: string): string {
  return `${runtime.node(node).dataDir}/pgdata`;
}

/** libpq's connection string to `primary` for a standby's primary_conninfo. */
export function primaryConninfo(runtime: Runtime, primary: string, standby: string): string {
  return `host=${runtime.node(primary).host} port=${DOCKER_PORT} user=${SUPERUSER} application_name=${standby} connect_timeout=2`;
}

async function run(runtime: Runtime, node: string, doing: string, command: string, args: readonly string[]): Promise<string> {
  const { command: program, args: argv } = asServerUser(USER, command, args);
  const result = await runtime.exec(node, program, argv);
  if (result.exitCode !== 0) throw new Error(`postgres on ${node}: ${doing} failed (${command} exited ${result.exitCode}): ${(result.stderr || result.stdout).trim().split("\n").slice(-3).join(" | ")}`);
  return `${result.stdout}${result.stderr}`;
}

/** An empty data directory owned by postgres. */
async function makeDataDir(runtime: Runtime, node: string): Promise<string> {
  const dir = dockerDataDir(runtime, node);
  const result = await runtime.exec(node, "install", ["-d", "-m", "0700", "-o", SERVER_USER, "-g", SERVER_USER, dir]);
  if (result.exitCode !== 0) throw new Error(`postgres on ${node}: creating ${dir} failed: ${result.stderr.trim()}; rebuild the image with 'faultline images build postgres'`);
  return dir;
}

/** initdb, trusting every connection from the run's network (only the harness and the peers reach it).
 *  With data checksums: pg_rewind needs checksums or wal_log_hints recorded in the target's control
 *  file, and a killed old primary is first recovered by pg_rewind in single-user mode, which reads
 *  only the configuration files — not the -c settings the server runs with — so wal_log_hints would
 *  be recorded off there and the rewind refused ("target server needs to use either data checksums
 *  or wal_log_hints = on"). Checksums are fixed at initdb and copied by every base backup. */
export async function initPrimary(runtime: Runtime, node: string): Promise<void> {
  const dir = await makeDataDir(runtime, node);
  await run(runtime, node, "initdb", `${BINDIR}/initdb`, ["-D", dir, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--data-checksums"]);
  await run(runtime, node, "opening pg_hba.conf to the run's network", "sh", ["-c", `printf 'host all all 0.0.0.0/0 trust\\nhost replication all 0.0.0.0/0 trust\\n' >> ${dir}/pg_hba.conf`]);
}

/** A standby's first copy of `primary` (pg_basebackup), set up to follow it. */
export async function initStandby(runtime: Runtime, node: string, primary: string): Promise<void> {
  const dir = await makeDataDir(runtime, node);
  await run(runtime, node, `pg_basebackup from ${primary}`, `${BINDIR}/pg_basebackup`, ["-h", runtime.node(primary).host, "-p", String(DOCKER_PORT), "-U", SUPERUSER, "-D", dir, "-X", "stream", "-c", "fast", "--no-sync"]);
  await configureStandby(runtime, node, primary);
}

/** Makes a stopped node's data directory a standby of `primary` (standby.signal, primary_conninfo),
 *  and lifts a fence (default_transaction_read_only) it may carry, should it be promoted later. A
 *  later line of postgresql.auto.conf wins over an earlier one. */
export async function configureStandby(runtime: Runtime, node: string, primary: string): Promise<void> {
  const dir = dockerDataDir(runtime, node);
  await run(runtime, node, "writing the standby configuration", "sh", ["-c", `touch ${dir}/standby.signal && printf "primary_conninfo = '%s'\\ndefault_transaction_read_only = off\\n" "${primaryConninfo(runtime, primary, node)}" >> ${dir}/postgresql.auto.conf`]);
}

/** Whether a stopped node's data directory is a standby's. */
export async function isStandbyDir(runtime: Runtime, node: string): Promise<boolean> {
  return (await runtime.exec(node, "test", ["-e", `${dockerDataDir(runtime, node)}/standby.signal`])).exitCode === 0;
}

/** Winds a stopped old primary back to where `primary`'s history forked from its own (pg_rewind,
 *  which first runs crash recovery if the node was killed): what only it had written is dropped. */
export async function rewind(runtime: Runtime, node: string, primary: string): Promise<string> {
  const dir = dockerDataDir(runtime, node);
  const source = `host=${runtime.node(primary).host} port=${DOCKER_PORT} user=${SUPERUSER} dbname=postgres connect_timeout=2`;
  return run(runtime, node, `pg_rewind onto ${primary}`, `${BINDIR}/pg_rewind`, ["-D", dir, `--source-server=${source}`, "--no-sync"]);
}

/** Whether `node` reaches `primary`'s server now (pg_isready from inside its container): a node cut
 *  off by a partition cannot rewind onto it, and must not be stopped to try. */
export async function reaches(runtime: Runtime, node: string, primary: string): Promise<boolean> {
  const result = await runtime.exec(node, `${BINDIR}/pg_isready`, ["-h", runtime.node(primary).host, "-p", String(DOCKER_PORT), "-t", "2"]);
  return result.exitCode === 0;
}

/** Kills every process of the postgres user in the container (a killed postmaster's backends). */
export async function killLeftovers(runtime: Runtime, node: string): Promise<void> {
  const { command, args } = asServerUser(USER, "sh", ["-c", "kill -9 -1 2>/dev/null; true"]);
  await runtime.exec(node, command, args);
  await runtime.exec(node, "rm", ["-f", `${dockerDataDir(runtime, node)}/postmaster.pid`]);
}

export function dockerProcessSpec(runtime: Runtime, node: string, settings: Record<string, string>): ProcessSpec {
  const { command, args } = asServerUser(USER, `${BINDIR}/postgres`, ["-D", dockerDataDir(runtime, node), ...settingsArgs(settings)]);
  return { command, args, env: { LC_ALL: "C" } };
}
