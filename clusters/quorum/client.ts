// The quorum system's clients: each process sends GET and SET to its home node, which coordinates
// them over the key's replicas. One planner per workload (register: read and write; a quorum of
// replicas without consensus has no compare-and-set, so the system runs the register workload
// with model=register, which makes none). The session and its error mapping are the textbook
// nodes' (clusters/textbook/client-session.ts).

import type { Invocation } from "../../harness/op.ts";
import { clientsFrom } from "../client/planned-client.ts";
import type { ClusterContext } from "../system.ts";
import { openTextbookClient, type TextbookErrorCodes, type TextbookPlan, type TextbookPlanner } from "../textbook/client-session.ts";

/** node.ts: UNKNOWN is a write that reached fewer than W replicas (they keep it); NOQUORUM and ERR
 *  are definite. */
const CODES: TextbookErrorCodes = { unknown: ["UNKNOWN"], answered: [] };

class RegisterPlanner implements TextbookPlanner {
  constructor(private readonly namespace: string) {}

  plan(op: Invocation): TextbookPlan | string {
    if (op.key !== undefined && typeof op.key !== "number" && typeof op.key !== "string") return `register: key must be a number or string, got ${JSON.stringify(op.key)}`;
    const key = `${this.namespace}:${op.key ?? "default"}`;
    switch (op.f) {
      case "read":
        return {
          readOnly: true,
          run: async (redis) => {
            const text = await redis.get(key);
            if (text === null) return { type: "ok", value: null };
            const value = Number(text);
            return Number.isFinite(value) ? { type: "ok", value } : { type: "ok", value: text };
          },
        };
      case "write":
        if (typeof op.value !== "number" || !Number.isSafeInteger(op.value)) return `register: write value must be an integer, got ${JSON.stringify(op.value)}`;
        return {
          readOnly: false,
          run: async (redis) => {
            await redis.set(key, String(op.value));
            return { type: "ok" };
          },
        };
      case "cas":
        return "register: a quorum of replicas has no compare-and-set (it would need consensus); run the register workload with --opt model=register, which sends only reads and writes";
      default:
        return `register: unknown op f=${op.f}; the quorum client does read and write`;
    }
  }
}

const quorumPlanners: Readonly<Record<string, (namespace: string) => TextbookPlanner>> = {
  register: (namespace) => new RegisterPlanner(namespace),
};

export const quorumClients = clientsFrom(quorumPlanners, (makePlanner, ctx: ClusterContext, node, workload) => {
  const info = ctx.runtime.node(node);
  return openTextbookClient("quorum", { node, host: info.host, port: info.clientPort }, CODES, makePlanner(workload));
});
