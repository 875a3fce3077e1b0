// `faultline compare RUN_DIR… | SUITE_DIR [-o compare.html]` — runs of several systems side by
// side on one self-contained page: the CAP picture, then systems × claims with the deciding numbers.

import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { SUITE_FILE } from "../../run/suite/suite-record.ts";
import { comparisonSource, writeComparison } from "../../run/suite/suite-compare.ts";

export function registerCompareCommand(program: Command): void {
  program
    .command("compare")
    .description("compare runs side by side: one self-contained page, systems × claims, the CAP picture")
    .argument("<dirs...>", "run folders (store/<test>/<timestamp>), test folders with a `latest` link, or suite folders (store/suites/<suite>/<timestamp>)")
    .option("-o, --output <file>", "where to write the page (default: compare.html in the suite folder when given one suite folder, else ./compare.html)")
    .action((dirs: string[], opts: { output?: string }) => {
      const source = comparisonSource(dirs);
      const onlySuite = dirs.length === 1 && existsSync(join(resolve(dirs[0]), SUITE_FILE));
      const out = resolve(opts.output ?? (onlySuite ? join(resolve(dirs[0]), "compare.html") : "compare.html"));
      for (const missing of source.missing) process.stderr.write(`faultline compare: no finished run for ${missing}; left out\n`);
      const runs = writeComparison(source, out, dirs.length === 1 ? `from ${resolve(dirs[0])}` : `from ${dirs.length} folders`);
      process.stdout.write(`compare: ${out} (${runs.length} runs of ${new Set(runs.map((run) => run.label)).size} systems)\n`);
    });
}
