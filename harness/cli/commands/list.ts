// `faultline list` — what can be tested, with what, and how it can be broken.

import type { Command } from "commander";
import { describeOption } from "../../../clusters/options.ts";
import { faultKinds, faultModes, faultSupport } from "../../../nemeses/catalog.ts";
import { systems, workloads } from "../../run/registry.ts";

export function registerListCommand(program: Command): void {
  program
    .command("list")
    .description("list systems (with their claims, workloads, options and bug switches), workloads and nemeses")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      const listing = {
        systems: Object.values(systems).map((s) => ({
          name: s.name,
          description: s.description,
          claims: s.claims,
          runtimes: s.runtimes,
          defaultNodes: s.defaultNodes,
          workloads: Object.keys(s.clients),
          options: Object.entries(s.options.declared).map(([name, declaration]) => ({ name, ...declaration })),
          bugs: s.bugs,
          // What each fault kind can do to this system on each of its runtimes (`--nemesis all`).
          faults: Object.fromEntries(
            s.runtimes.map((runtime) => {
              const supported: [string, readonly string[]][] = Object.values(faultKinds).map((kind) => [kind.name, faultSupport(kind, { system: s, runtime }).modes]);
              return [runtime, Object.fromEntries(supported.filter(([, modes]) => modes.length > 0))] as [string, Record<string, readonly string[]>];
            }),
          ),
        })),
        workloads: Object.values(workloads).map((w) => ({ name: w.name, description: w.description })),
        nemeses: Object.values(faultKinds).map((k) => ({ name: k.name, description: k.description, modes: faultModes(k) })),
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(listing, null, 2) + "\n");
        return;
      }
      const out: string[] = ["systems:"];
      for (const s of listing.systems) {
        out.push(`  ${s.name} — ${s.description}`);
        out.push(`      claims: ${s.claims.cap}${s.claims.model ? `, ${s.claims.model}` : ""}; runtimes: ${s.runtimes.join(", ")}; nodes: ${s.defaultNodes}`);
        out.push(`      workloads: ${s.workloads.join(", ")}`);
        for (const { name, help, ...declaration } of s.options) out.push(`      --opt ${describeOption(name, { help, ...declaration })}: ${help}`);
        for (const bug of s.bugs) out.push(`      --bug ${bug.name}: ${bug.description}`);
        for (const [runtime, kinds] of Object.entries(s.faults)) {
          const described = Object.entries(kinds).map(([kind, modes]) => (modes.length < faultModes(faultKinds[kind]).length ? `${kind}:${modes.join("+")}` : kind));
          out.push(`      faults on ${runtime}: ${described.join(", ") || "none"}`);
        }
      }
      out.push("workloads:");
      for (const w of listing.workloads) out.push(`  ${w.name} — ${w.description}`);
      out.push("nemeses (--nemesis a,b | all | none; a:mode+mode draws only those modes, e.g. partition:isolate-leader):");
      for (const n of listing.nemeses) {
        out.push(`  ${n.name} — ${n.description}`);
        out.push(`      modes: ${n.modes.join(", ")}`);
      }
      process.stdout.write(out.join("\n") + "\n");
    });
}
