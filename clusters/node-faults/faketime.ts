// The clock hook of a real server in a container preloaded with libfaketime (DockerLayout.faketime):
// the nemesis rewrites the container's faketime control file; how to read the server's own clock
// back is the product's (Redis's TIME, say).

import type { ClockHook, ClusterContext } from "../system.ts";
import { FAKETIME_CONTROL_FILE } from "../runtime/docker/layout.ts";
import { writeOffsetFile } from "./offset-file.ts";

export function faketimeClock(observeOffset: ClockHook["observeOffset"]): ClockHook {
  const set = (ctx: ClusterContext, node: string, offsetMs: number) => writeOffsetFile(ctx.runtime, node, FAKETIME_CONTROL_FILE, offsetMs);
  return {
    runtimes: ["docker"],
    setOffset: set,
    observeOffset,
    async reset(ctx) {
      await Promise.all(ctx.nodes.map((node) => set(ctx, node, 0)));
    },
  };
}
