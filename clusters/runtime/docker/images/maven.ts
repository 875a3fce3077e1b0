// Artifacts from Maven Central for images of products Debian does not package (Kafka,
// Elasticsearch). Maven itself fetches them on the host — the one client that reaches Maven Central
// here, with its own cache (~/.m2/repository), so a rebuild downloads nothing again — and the
// image's Dockerfile COPYs what landed in the build context. Containers never reach the registry.

import { spawn } from "node:child_process";
import { join } from "node:path";

/** What `mvn` does with the dependencies a build context's pom.xml pins:
 *  copy   the jars (and their runtime dependencies) into a folder (a classpath);
 *  unpack each artifact (a distribution zip) into a folder. */
export type MavenGoal = "copy" | "unpack";

const GOALS: Record<MavenGoal, string[]> = {
  copy: ["dependency:copy-dependencies", "-DincludeScope=runtime"],
  unpack: ["dependency:unpack-dependencies"],
};

/** Runs Maven on `<context>/pom.xml`, putting the pinned artifacts into `<context>/<folder>`. */
export async function fetchFromMaven(context: string, goal: MavenGoal, folder: string, onProgress: (line: string) => void): Promise<void> {
  const args = ["-B", "--no-transfer-progress", "-f", join(context, "pom.xml"), ...GOALS[goal], `-DoutputDirectory=${join(context, folder)}`];
  onProgress(`mvn ${args.join(" ")}`);
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn("mvn", args, { stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > 12) tail.shift();
      }
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error) =>
      reject(new Error(`cannot run mvn (${error.message}): images of products from Maven Central need Maven on the host; install it with 'apt-get install maven'`)),
    );
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`mvn exited with ${code} fetching the artifacts pinned in ${join(context, "pom.xml")}; is Maven Central reachable? Last lines:\n${tail.join("\n")}`));
    });
  });
  onProgress(`fetched the artifacts from Maven Central (or Maven's cache) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
