// A tiny system that lives in the harness's own memory: every node's clients share one Map, so
// each op is atomic and the register is linearizable by construction. It exists to show what
// adding a system takes — this one folder and one registration line (test/e2e/new-system.test.ts)
// — and it goes through the same runner, checkers, claims and report as every real system.

import type { Completion, Invocation } from "../../../harness/op.ts";
import { clientsFrom, PlannedClient, type OpPlan, type Planner, type Session } from "../../../clusters/client/planned-client.ts";
import { declareOptions } from "../../../clusters/options.ts";
import type { ClusterContext, System } from "../../../clusters/system.ts";

type Store = Map<string, number>;
type MemoryPlan = OpPlan<Store>;

/** One store per running cluster: two runs at once never share registers. */
const stores = new WeakMap<ClusterContext["runtime"], Store>();

function storeOf(ctx: ClusterContext): Store {
  let store = stores.get(ctx.runtime);
  if (!store) stores.set(ctx.runtime, (store = new Map()));
  return store;
}

const registerPlanner: Planner<MemoryPlan> = {
  plan(op: Invocation): MemoryPlan | string {
    const key = String(op.key ?? "default");
    switch (op.f) {
      case "read":
        return { readOnly: true, run: async (store) => ({ type: "ok", value: store.get(key) ?? null }) };
      case "write":
        if (typeof op.value !== "number") return `write needs a number, got ${JSON.stringify(op.value)}`;
        return { readOnly: false, run: async (store) => (store.set(key, op.value as number), { type: "ok" }) };
      case "cas": {
        const [expected, next] = op.value as [number, number];
        return {
          readOnly: false,
          run: async (store): Promise<Completion> => {
            if (store.get(key) !== expected) return { type: "fail", answered: true, error: `cas: ${key} did not hold ${expected}` };
            store.set(key, next);
            return { type: "ok" };
          },
        };
      }
      default:
        return `the memory register does read, write and cas, not ${op.f}`;
    }
  },
};

function session(store: Store): Session<MemoryPlan> {
  return {
    perform: (plan, signal) => plan.run(store, signal),
    outcome: (error, plan) => (plan.readOnly ? { type: "fail", error: String(error) } : { type: "info", error: String(error) }),
    close: async () => {},
  };
}

export const memoryRegisterSystem: System = {
  name: "memory-register",
  description: "an in-memory register shared by every client (test fixture)",
  claims: { model: "linearizable", cap: "CP" },
  clients: clientsFrom({ register: registerPlanner }, async (planner, ctx, node) => new PlannedClient("memory-register", node, planner, session(storeOf(ctx)))),
  options: declareOptions("memory-register", {}),
  bugs: [],
  runtimes: ["local"],
  defaultNodes: 3,
  async setup(ctx) {
    storeOf(ctx).clear();
  },
  async restartNode() {},
  async teardown(ctx) {
    stores.delete(ctx.runtime);
  },
};
