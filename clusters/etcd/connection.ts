// An etcd3 client bound to exactly one member, with etcd3's fault handling switched off.
//
// By default etcd3 retries a failed call up to three times on another host and opens a circuit
// breaker after repeated failures. A retry can re-send a write whose first attempt was applied,
// and a completion would then describe only the last attempt; a breaker turns a healthy member
// into instant errors for seconds. The harness needs one attempt per op, on the op's own node.

import { Etcd3, type IOptions } from "etcd3";

type FaultPolicy = NonNullable<NonNullable<IOptions["faultHandling"]>["global"]>;

/** Runs the call once. etcd3 only ever calls execute() on its policies (connection-pool.js);
 *  the cast stands in for cockatiel's NoopPolicy, as cockatiel is etcd3's dependency, not ours. */
const ONCE = {
  execute: async <T>(call: (context: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> => call({ signal: new AbortController().signal }),
} as unknown as FaultPolicy;

/** How long a call waits for a TCP connection before failing; a refused connection fails at once. */
const DIAL_TIMEOUT_MS = 1000;

export function connectToMember(host: string, port: number): Etcd3 {
  return new Etcd3({
    hosts: `http://${host}:${port}`,
    dialTimeout: DIAL_TIMEOUT_MS,
    faultHandling: { host: () => ONCE, global: ONCE },
  });
}
