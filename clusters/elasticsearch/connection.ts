// An Elasticsearch client bound to exactly one node: no retries on other nodes, no sniffing, so an
// op is one request to the op's own node, and its completion describes that request.

import { Client } from "@elastic/elasticsearch";
import type { Runtime } from "../runtime/runtime.ts";
import { HTTP_PORT } from "./server.ts";

export function connectToNode(runtime: Pick<Runtime, "node">, node: string, requestTimeoutMs = 10_000): Client {
  const info = runtime.node(node);
  return new Client({ node: `http://${info.host}:${HTTP_PORT}`, maxRetries: 0, requestTimeout: requestTimeoutMs, sniffOnStart: false, sniffOnConnectionFault: false });
}
