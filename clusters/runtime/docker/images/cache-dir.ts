// Where image builds keep what outlives one build: the bootstrapped root file system (so losing
// the image costs an import, not a debootstrap) and the build lock.

import { homedir } from "node:os";
import { join } from "node:path";

export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FAULTLINE_CACHE_DIR) return join(env.FAULTLINE_CACHE_DIR, "images");
  if (process.getuid?.() === 0) return "/var/cache/faultline/images";
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "faultline", "images");
}
