// `faultline up` — start a cluster and keep it up until Ctrl-C, printing where each node listens,
// so people and any client tool (redis-cli, redis-benchmark, …) can poke at it.

import type { Command } from "commander";
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClusterContext } from "../../../clusters/system.ts";
import { registerTeardown } from "../../run/exit-handlers.ts";
import { catalog, systems } from "../../run/registry.ts";
import { Rng } from "../../rng.ts";
import { createRuntime } from "../../run/runner.ts";
import { buildSpec, type RawSettings } from "../../spec/build-spec.ts";
import { typedOptions } from "../../spec/typed-options.ts";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerUpCommand(program: Command): void {
  program
    .command("up")
    .description("start a cluster and keep it running until Ctrl-C; prints '<node> <host>:<client-port>' per node")
    .option("--system <name>", "system to start", "raft")
    .option("--nodes <n>", "cluster size (default 3)", "3")
    .option("--runtime <kind>", "local or docker")
    .option("--bug <name>", "bug switch to turn on (repeatable)", collect)
    .option("--opt <name=value>", "system option (repeatable)", collect)
    .option("--dir <dir>", "where node data and logs go (default: a fresh temporary folder)")
    .option("--store <dir>", "store whose .faultline folder records the processes for `faultline cleanup`")
    .action(async (opts: Record<string, unknown>) => {
      const { dir, ...flags } = opts;
      // `up` runs no workload, but a spec names one: any the system has a client for will do (the
      // default, register, is not one of PostgreSQL's).
      const named = typeof flags.system === "string" && Object.hasOwn(systems, flags.system) ? systems[flags.system] : undefined;
      const spec = buildSpec({}, { ...flags, workload: named ? Object.keys(named.clients)[0] : undefined } as RawSettings, catalog());
      const system = systems[spec.system];
      const dataDir = dir ? String(dir) : mkdtempSync(join(tmpdir(), `faultline-up-${spec.system}-`));
      // mkdtemp makes it 0700; a server that runs as its own OS user (PostgreSQL under a root
      // harness) must be able to enter it.
      if (!dir) chmodSync(dataDir, 0o755);
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const runtime = await createRuntime(spec, system, dataDir, join(spec.store, ".faultline"), log);
      const ctx: ClusterContext = {
        runtime,
        nodes: runtime.nodes().map((n) => n.name),
        bugs: spec.bugs,
        options: typedOptions(spec.options),
        rng: new Rng(spec.seed),
        log,
      };
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await system.teardown(ctx).catch(() => undefined);
        await runtime.teardown();
      };
      const unregister = registerTeardown(stop);
      try {
        await system.setup(ctx);
      } catch (error) {
        // A node that died while the cluster started (exit 254, its stderr quoted) or a setup that
        // failed otherwise: the nodes that did start must not outlive the command.
        await stop();
        unregister();
        throw error;
      }
      for (const node of runtime.nodes()) process.stdout.write(`${node.name} ${node.host}:${node.clientPort}\n`);
      process.stderr.write(`faultline: ${spec.system} cluster up (${ctx.nodes.length} nodes, data in ${dataDir}); Ctrl-C to stop\n`);
      await new Promise<void>(() => undefined);
    });
}
