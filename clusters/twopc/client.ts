// The twopc system's clients: each process sends TXN commands to its home node, which coordinates
// them. One planner per workload (only bank: transactions over accounts spread across the
// participants); the session and its error mapping are the textbook nodes' (clusters/textbook/).
//   opening   TXN SETNX every account to its initial balance: creates them all at once, or nothing
//             if some client already did (retried if it loses a lock race with another opening)
//   transfer  TXN SUB <from> amount ADD <to> amount — SUB refused when the account holds less
//             (ADD of -amount when the bank allows overdrafts)
//   read      TXN GET every account — shared locks on every participant at once

import type { Completion, Invocation } from "../../harness/op.ts";
import { bankSettings, initialBalances, type BankSettings } from "../../workloads/bank.ts";
import { clientsFrom } from "../client/planned-client.ts";
import type { ClusterContext } from "../system.ts";
import { openTextbookClient, type TextbookErrorCodes, type TextbookPlan, type TextbookPlanner } from "../textbook/client-session.ts";
import { txnArgs } from "./commands.ts";
import type { TxnOp } from "./core/types.ts";

/** commands.ts: REFUSED is a participant's business rule (the system answered); UNKNOWN a node
 *  that stopped before deciding; ABORTED and ERR are definite. */
const CODES: TextbookErrorCodes = { unknown: ["UNKNOWN"], answered: ["REFUSED"] };

interface PlannerSetup {
  namespace: string;
  options: Readonly<Record<string, unknown>>;
}

function transaction(ops: readonly TxnOp[], readOnly: boolean, done: (reply: unknown) => Completion): TextbookPlan {
  return { readOnly, run: async (redis) => done(await redis.call("TXN", ...txnArgs(ops))) };
}

class BankPlanner implements TextbookPlanner {
  private readonly accounts: string[];

  constructor(
    private readonly namespace: string,
    private readonly settings: BankSettings,
    private readonly initial: Readonly<Record<string, number>>,
  ) {
    this.accounts = settings.accounts.map(String);
  }

  opening(): TextbookPlan {
    const ops: TxnOp[] = this.accounts.map((account) => ({ kind: "setnx", key: this.keyOf(account), value: this.initial[account] }));
    return transaction(ops, false, () => ({ type: "ok" }));
  }

  plan(op: Invocation): TextbookPlan | string {
    switch (op.f) {
      case "transfer": {
        const transfer = this.transferOf(op.value);
        if (typeof transfer === "string") return `bank: ${transfer}`;
        const { from, to, amount } = transfer;
        const debit: TxnOp = this.settings.negativeAllowed ? { kind: "add", key: this.keyOf(from), delta: -amount } : { kind: "sub", key: this.keyOf(from), amount };
        return transaction([debit, { kind: "add", key: this.keyOf(to), delta: amount }], false, () => ({ type: "ok" }));
      }
      case "read":
        return transaction(
          this.accounts.map((account) => ({ kind: "get", key: this.keyOf(account) })),
          true,
          (reply) => {
            if (!Array.isArray(reply) || reply.length !== this.accounts.length) return { type: "fail", error: `TXN of ${this.accounts.length} GETs answered ${JSON.stringify(reply)}` };
            const balances: Record<string, unknown> = {};
            this.accounts.forEach((account, i) => {
              const text: unknown = reply[i];
              balances[account] = typeof text === "string" && text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
            });
            return { type: "ok", value: balances };
          },
        );
      default:
        return `bank: unknown op f=${op.f}; the bank client does transfer and read`;
    }
  }

  private transferOf(value: unknown): { from: string; to: string; amount: number } | string {
    if (typeof value !== "object" || value === null) return `transfer value must be {from, to, amount}, got ${JSON.stringify(value)}`;
    const { from, to, amount } = value as { from?: unknown; to?: unknown; amount?: unknown };
    for (const account of [from, to]) {
      if ((typeof account !== "number" && typeof account !== "string") || !this.accounts.includes(String(account))) {
        return `transfer between unknown accounts ${JSON.stringify(value)}; the accounts are ${this.accounts.join(", ")}`;
      }
    }
    if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) return `transfer amount must be a positive integer, got ${JSON.stringify(amount)}`;
    return { from: String(from), to: String(to), amount };
  }

  private keyOf(account: string): string {
    return `${this.namespace}:${account}`;
  }
}

const twopcPlanners: Readonly<Record<string, (setup: PlannerSetup) => TextbookPlanner>> = {
  bank: ({ namespace, options }) => new BankPlanner(namespace, bankSettings(options), initialBalances(options)),
};

export const twopcClients = clientsFrom(twopcPlanners, (makePlanner, ctx: ClusterContext, node, workload) => {
  const info = ctx.runtime.node(node);
  return openTextbookClient("twopc", { node, host: info.host, port: info.clientPort }, CODES, makePlanner({ namespace: workload, options: ctx.options }));
});
