// Which `--opt` names a run may give, checked before any node starts: the options its system
// declares (whose values the system's own parser checks) and the options its workload reads. A
// name neither knows is a typo that would otherwise be silently ignored (`--opt storag=power-loss`
// ran with the default storage).
//
// Workloads do not declare their options yet; the names a workload reads are the ones its
// generator and checker look up, so they are found by building both once over a view of the
// options that notes every name looked up. Once workloads declare theirs, that list replaces this.

import { UsageError } from "../errors.ts";
import { typedOptions } from "./typed-options.ts";

/** A system's declared options, as the spec sees them (clusters/options.ts makes them). */
export interface SystemOptionsView {
  readonly declared: Readonly<Record<string, unknown>>;
  /** Throws UsageError on a bad value of a declared option. */
  parse(raw: Readonly<Record<string, unknown>>): unknown;
}

/** A workload as far as its options go: what reads them. */
export interface WorkloadOptionsView {
  generator(options: Record<string, unknown>): unknown;
  finalGenerator?(options: Record<string, unknown>): unknown;
  checker(options: Record<string, unknown>): unknown;
}

/** Throws UsageError (one line) on a bad value, or on an option neither the system nor the
 *  workload knows, listing the valid ones. */
export function checkOptions(
  system: { name: string; options: SystemOptionsView },
  workload: { name: string; reader: WorkloadOptionsView },
  options: Readonly<Record<string, string>>,
  keys: number,
): void {
  system.options.parse(options);
  const read = optionsRead(workload, { ...typedOptions(options), keys });
  const declared = Object.keys(system.options.declared);
  for (const name of Object.keys(options)) {
    if (declared.includes(name) || read.has(name)) continue;
    const systemPart = `${system.name}'s: ${declared.join(", ") || "(none)"}`;
    const workloadPart = `workload ${workload.name} reads: ${[...read].filter((option) => option !== "keys").join(", ") || "(none)"}`;
    throw new UsageError(`unknown option "${name}" for system ${system.name} with workload ${workload.name}; valid options are ${systemPart}; ${workloadPart}`);
  }
}

/** The option names the workload's generators and checker look up, given `options`. A bad value
 *  of one of them is the user's (exit 254), said as the workload says it. */
function optionsRead(workload: { name: string; reader: WorkloadOptionsView }, options: Record<string, unknown>): Set<string> {
  const read = new Set<string>();
  const noting = new Proxy(options, {
    get(target, name, receiver) {
      if (typeof name === "string") read.add(name);
      return Reflect.get(target, name, receiver);
    },
    has(target, name) {
      if (typeof name === "string") read.add(name);
      return Reflect.has(target, name);
    },
  });
  try {
    const { reader } = workload;
    reader.generator(noting);
    reader.finalGenerator?.(noting);
    reader.checker(noting);
  } catch (error) {
    throw new UsageError(`workload ${workload.name}: ${(error as Error).message.split("\n")[0]}`);
  }
  return read;
}
