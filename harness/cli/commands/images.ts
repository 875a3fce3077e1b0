// `faultline images build [SYSTEM…]` — build the Docker images offline: a debootstrap base, then
// one small image per system from Debian's packages; only what changed is rebuilt.

import type { Command } from "commander";
import { systemImages } from "../../../clusters/runtime/docker/images/names.ts";
import { UsageError } from "../../errors.ts";
import { systems } from "../../run/registry.ts";

export function registerImagesCommand(program: Command): void {
  const images = program.command("images").description("Docker images for the docker runtime");
  images
    .command("build")
    .description("build the base image and the systems' images (all when none are named); cached by recipe")
    .argument("[systems...]", "systems whose images to build")
    .option("--force", "rebuild even when the recipe is unchanged")
    .option("--no-install", "do not install or start Docker when it is missing")
    .action(async (systemNames: string[], opts: { force?: boolean; install: boolean }) => {
      let images;
      try {
        images = systemImages(systems, systemNames);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const { buildImages } = await import("../../../clusters/runtime/docker/images/build-images.ts");
      let built;
      try {
        built = await buildImages(images, {
          force: opts.force,
          installDocker: opts.install,
          onProgress: (line) => process.stderr.write(`${line}\n`),
        });
      } catch (err) {
        throw new UsageError((err as Error).message.split("\n")[0]);
      }
      for (const image of built) process.stdout.write(`${image.image} ${image.built ? `built in ${image.seconds.toFixed(1)} s` : "up to date"}\n`);
    });
  images.exitOverride();
}
