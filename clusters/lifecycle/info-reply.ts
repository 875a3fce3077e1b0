// INFO's answer, as Redis and our own Raft nodes give it: "# Section" headers and "field:value"
// lines. The harness reads a node's role, leader and replicas from it.

/** INFO's "field:value" lines as a record. */
export function parseInfoReply(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}
