// The kafka image: Debian's headless OpenJDK 17 and the broker's jars from Maven Central
// (image/pom.xml pins them; Maven fetches them on the host into the context's libs/).

import { sourcePath } from "../../harness/source-path.ts";
import { fetchFromMaven } from "../runtime/docker/images/maven.ts";
import type { ImageSource } from "../runtime/docker/images/names.ts";

export const KAFKA_IMAGE: ImageSource = {
  name: "kafka",
  context: sourcePath(new URL("./image", import.meta.url)),
  assemble: (into, onProgress) => fetchFromMaven(into, "copy", "libs", onProgress),
};
