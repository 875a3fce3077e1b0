// What the offline images are called. Every image is built FROM the base (debootstrap, base-image.ts)
// from a build context that its system names (System.docker.image): one folder of the repository
// with a Dockerfile, usually <system>/image/.

const IMAGE_TAG = "bookworm";
export const BASE_IMAGE = `faultline/base:${IMAGE_TAG}`;

/** An image built from a folder of the repository. Systems that run in the same image (our ZAB
 *  node in our Raft node's) name the same one. */
export interface ImageSource {
  /** Short name: the image is faultline/<name>:bookworm. */
  name: string;
  /** Absolute path of the build context, a folder holding the Dockerfile. */
  context: string;
  /** Adds files fetched from a package registry (Maven Central artifacts) to a copy of the context
   *  before it is built, for products Debian does not package. The recipe stays the context's
   *  digest, so the context must pin exactly what is fetched (versions in a pom.xml); the fetcher
   *  keeps its own cache (Maven's local repository), so a rebuild downloads nothing again. */
  assemble?: (into: string, onProgress: (line: string) => void) => Promise<void>;
}

/** The image's reference, e.g. faultline/redis:bookworm. */
export function imageReference(image: Pick<ImageSource, "name">): string {
  return `faultline/${image.name}:${IMAGE_TAG}`;
}

/** The images of the systems named (every system's when none is), from a record of systems such as
 *  the registry's; an unknown name, or a system without an image, is refused before anything slow. */
export function systemImages(systems: Readonly<Record<string, { docker?: { image: ImageSource } }>>, names: readonly string[]): ImageSource[] {
  const withImage = Object.entries(systems).filter(([, system]) => system.docker !== undefined);
  if (names.length === 0) return withImage.map(([, system]) => system.docker!.image);
  return names.map((name) => {
    const image = Object.hasOwn(systems, name) ? systems[name].docker?.image : undefined;
    if (!image) throw new Error(`no Docker image for system "${name}"; systems with one: ${withImage.map(([known]) => known).join(", ")}`);
    return image;
  });
}
