// The elasticsearch image: Debian's headless OpenJDK 17 and Elasticsearch's distribution from
// Maven Central (image/pom.xml pins it; Maven fetches and unpacks it on the host into the context's
// elasticsearch/).

import { sourcePath } from "../../harness/source-path.ts";
import { fetchFromMaven } from "../runtime/docker/images/maven.ts";
import type { ImageSource } from "../runtime/docker/images/names.ts";

export const ELASTICSEARCH_IMAGE: ImageSource = {
  name: "elasticsearch",
  context: sourcePath(new URL("./image", import.meta.url)),
  assemble: (into, onProgress) => fetchFromMaven(into, "unpack", "elasticsearch", onProgress),
};
