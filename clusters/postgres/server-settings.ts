// The server's configuration, passed as `-c name=value` on its command line rather than written
// into postgresql.conf: the runtime keeps the spec for restarts, so every incarnation of the node
// runs with the same settings, and the run's harness.log shows them whole.

import { join } from "node:path";

/** Longest Unix socket path the kernel takes (sun_path is 108 bytes with the terminating NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

export interface ServerSettingsInput {
  dataDir: string;
  port: number;
}

export function serverSettings({ dataDir, port }: ServerSettingsInput): Record<string, string> {
  return {
    // Loopback only: the harness is the only client, and nothing of a test may face the network.
    listen_addresses: "127.0.0.1",
    port: String(port),
    // The socket lives in the data directory, never in the shared /var/run/postgresql; a path too
    // long for a socket disables it instead, since every client connects over TCP.
    unix_socket_directories: Buffer.byteLength(join(dataDir, `.s.PGSQL.${port}`)) <= MAX_SOCKET_PATH_BYTES ? dataDir : "",
    // Durability is what a kill nemesis tests: a commit is acknowledged only once its WAL record
    // is on disk, and pages are written whole after each checkpoint.
    fsync: "on",
    synchronous_commit: "on",
    full_page_writes: "on",
    // Logs go to stderr, which the runtime writes to <node>/stderr.log and collects into the store.
    logging_collector: "off",
    log_line_prefix: "%m [%p] %q%a ",
  };
}

/** `-c name=value` pairs for the postgres command line. */
export function settingsArgs(settings: Record<string, string>): string[] {
  return Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
}
