// What the engine already holds: an image's id and recipe label, and removing images a rebuild
// left behind (each superseded system image is hundreds of MB of untagged layers).

import type Docker from "dockerode";
import { RECIPE_LABEL } from "./recipe.ts";

export interface ExistingImage {
  id: string;
  /** The recipe label, "" if the image has none (made by something else). */
  recipe: string;
}

export async function existingImage(docker: Docker, image: string): Promise<ExistingImage | undefined> {
  try {
    const info = await docker.getImage(image).inspect();
    return { id: info.Id, recipe: info.Config?.Labels?.[RECIPE_LABEL] ?? "" };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/** Removes images by id unless still tagged or used (by a container or a child image); returns the
 *  ids removed. Children first, so a superseded base goes once its old system images are gone. */
export async function removeSuperseded(docker: Docker, ids: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const id of [...ids].reverse()) {
    try {
      const info = await docker.getImage(id).inspect();
      if ((info.RepoTags ?? []).length > 0) continue;
      await docker.getImage(id).remove({ noprune: false });
      removed.push(id);
    } catch (error) {
      const code = (error as { statusCode?: number }).statusCode;
      // 404: already gone; 409: a container or another image still uses it, which is theirs to keep.
      if (code !== 404 && code !== 409) throw error;
    }
  }
  return removed;
}
