// Loopback ports for the nodes' own servers, which the nodes bind themselves — possibly long
// after allocation, and again after every restart.
//
// Ports come from below the kernel's ephemeral range: a port the kernel may hand out (bind to port
// 0, or the local end of any outgoing connection) could be taken by someone else's connection
// while a node is down between kill and restart, and the node could then never come back on it.
// Below the range, only an explicit bind can take a port. Each port stays reserved by a listener
// of ours until the node is about to start, which leaves only the spawn itself as a race window.

import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";

/** Lowest port we hand out; below it live well-known and registered services. */
const LOWEST_PORT = 10_000;
const ATTEMPTS = 500;

/** A port held by a listener of ours until released. */
export interface PortReservation {
  readonly port: number;
  /** Frees the port for the node that will bind it; idempotent. */
  release(): Promise<void>;
}

/** Reserves `count` distinct free ports on `host`. */
export async function reservePorts(count: number, host = "127.0.0.1"): Promise<PortReservation[]> {
  const reservations: PortReservation[] = [];
  const ephemeralLow = ephemeralRangeStart();
  const span = ephemeralLow - LOWEST_PORT;
  try {
    if (span < 1000) {
      // The ephemeral range starts too low to leave a usable pool: let the kernel choose.
      for (let i = 0; i < count; i++) reservations.push(await reserve(host, 0));
      return reservations;
    }
    // Random start so that concurrent runtimes (other tests, other runs) rarely probe the same ports.
    let candidate = LOWEST_PORT + randomInt(span);
    for (let attempt = 0; reservations.length < count; attempt++) {
      if (attempt >= ATTEMPTS) {
        throw new Error(
          `could not find ${count} free ports on ${host} between ${LOWEST_PORT} and ${ephemeralLow - 1} after ${ATTEMPTS} tries; ` +
            `free some ports or widen the range below net.ipv4.ip_local_port_range`,
        );
      }
      const reservation = await reserve(host, candidate).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "EADDRINUSE" || error.code === "EACCES") return undefined;
        throw error;
      });
      if (reservation) reservations.push(reservation);
      candidate = candidate + 1 < ephemeralLow ? candidate + 1 : LOWEST_PORT;
    }
    return reservations;
  } catch (error) {
    await Promise.all(reservations.map((r) => r.release()));
    throw error;
  }
}

async function reserve(host: string, port: number): Promise<PortReservation> {
  // Anyone dialling a reserved port gets an immediate close, as close to "nobody home" as a
  // listener can get.
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  let released: Promise<void> | undefined;
  return {
    port: (server.address() as net.AddressInfo).port,
    release: () => (released ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && low > 0) return low;
  } catch {
    // Not Linux: fall through to the IANA dynamic range.
  }
  return 49_152;
}
