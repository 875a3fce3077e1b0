// The Vega runtime the report page draws its plots with, inlined into every report.html (DESIGN
// §6: one self-contained file that opens from file:// with no network). Inlined rather than
// written once beside the report: a report is mailed, uploaded as a CI artifact on its own,
// served by `faultline serve`, and written anywhere by `faultline check --report FILE`; a sibling
// file would be lost in each of those, and a copy per run folder weighs the same as inlining.
// vega.min.js is 0.5 MB (0.18 MB gzipped); Vega-Lite is compiled away in Node (perf-plots.ts) and
// never shipped.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

let cached: string | undefined;

/** vega.min.js (UMD: defines window.vega), safe to put inside a <script> element. */
export function vegaRuntime(): string {
  if (cached === undefined) {
    const entry = createRequire(import.meta.url).resolve("vega");
    const source = readFileSync(join(dirname(entry), "vega.min.js"), "utf8");
    // A literal "</script" inside the library would end the element early.
    cached = source.replace(/<\/script/gi, "<\\/script");
  }
  return cached;
}
