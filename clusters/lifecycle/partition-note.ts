// A system whose nodes talk to each other on their real ports (everything but our own nodes) is out
// of reach of the local runtime's fault proxy: partitions and link faults there would silently do
// nothing. Whoever starts a cluster logs this, from the system's partitionsOn, so a run's log says
// why its faults did not bite.

import type { RuntimeKind, System } from "../system.ts";

/** The note for `system` on `runtime`, or undefined when partitions reach it there (or reach it
 *  nowhere, as for a single node with no peers). */
export function partitionNote(system: Pick<System, "name" | "runtimes" | "partitionsOn">, runtime: RuntimeKind): string | undefined {
  const partitionable = system.partitionsOn ?? system.runtimes;
  if (partitionable.length === 0 || partitionable.includes(runtime)) return undefined;
  return `${system.name}: its nodes talk to each other on their real ports, which the ${runtime} runtime's fault proxy does not see, so partitions and link faults do not reach them here; use --runtime ${partitionable[0]} for those`;
}
