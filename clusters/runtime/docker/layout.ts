// What the docker runtime needs to know of a system (System.docker): the image its nodes run, the
// product's well-known ports, and where its packaged servers log.

import type { ImageSource } from "./images/names.ts";

/** libfaketime's control file in every container of a faketime image: a relative offset such as
 *  "+1.500000" (clusters/node-faults/clock.ts writes the same notation). Beside the server's pid
 *  file in the runtime's /run/faultline. */
export const FAKETIME_CONTROL_FILE = "/run/faultline/faketime";

export interface DockerLayout {
  image: ImageSource;
  /** Every container has its own address, so every node uses the product's own ports. Extra ports
   *  a product needs (ZooKeeper's election port, Sentinel's port) are fixed by its system;
   *  partitions cut whole addresses, so they are cut too. */
  clientPort: number;
  peerPort: number;
  /** Log folders the packaged servers write besides our own. */
  logDirs?: readonly string[];
  /** Mount this repository and the harness's node binary at their host paths (our own nodes run
   *  the harness's code on the harness's Node.js). */
  mountRepo?: boolean;
  /** How a pause stops a node (DockerRuntimeOptions.pauseWith): "freezer" for products whose
   *  launcher runs the server as a child process, which a signal to the launcher would miss. */
  pauseWith?: "signal" | "freezer";
  /** The image has Debian's libfaketime: every server starts preloaded with it, reading its wall
   *  clock's offset from FAKETIME_CONTROL_FILE, which the clock nemesis rewrites (never `date -s`,
   *  which would move the host's clock for every container). Not for Go binaries, which read the
   *  clock without libc. */
  faketime?: FaketimeLayout;
}

export interface FaketimeLayout {
  /** The server links jemalloc (Debian's Redis), under which libfaketime cannot start: jemalloc
   *  reads the clock while libfaketime's own start-up allocates, and the server dies in that
   *  recursion (libfaketime issues #130, #327, #478). glibc's malloc is preloaded ahead of it
   *  (libc_malloc_debug.so.0, which exports malloc and its kin), so the server allocates through
   *  glibc, as Redis built with MALLOC=libc does, and no allocation ever reaches jemalloc. */
  glibcMalloc?: boolean;
}
