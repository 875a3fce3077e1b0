// The set planner's add against a stand-in client: what each answer of the index API becomes.

import type { Client } from "@elastic/elasticsearch";
import { describe, expect, it } from "vitest";
import { elasticsearchOptions } from "./options.ts";
import { esPlanners, type EsPlan } from "./planners.ts";

function addPlan(): EsPlan {
  const plan = esPlanners.set(elasticsearchOptions.parse({})).plan({ process: 0, f: "add", value: 7 });
  if (typeof plan === "string") throw new Error(plan);
  return plan;
}

/** A client whose index() answers as given. */
const clientAnswering = (index: () => Promise<unknown>) => ({ index }) as unknown as Client;
const responseError = (statusCode: number, type: string) => Object.assign(new Error(`${type}: [set-7]: version conflict, document already exists (current version [1])`), { name: "ResponseError", meta: { statusCode, body: { error: { type } } } });

describe("elasticsearch set add", () => {
  it("is ok when the index API creates the document", async () => {
    await expect(addPlan().run(clientAnswering(async () => ({ result: "created" })), new AbortController().signal)).resolves.toEqual({ type: "ok" });
  });

  it("is info, not a refusal, when the document already exists: only this add writes its id, so an earlier attempt of it was applied", async () => {
    const completion = await addPlan().run(clientAnswering(() => Promise.reject(responseError(409, "version_conflict_engine_exception"))), new AbortController().signal);
    expect(completion).toMatchObject({ type: "info", error: expect.stringContaining("already exists") });
  });

  it("leaves every other error to the outcome mapping", async () => {
    await expect(addPlan().run(clientAnswering(() => Promise.reject(responseError(503, "cluster_block_exception"))), new AbortController().signal)).rejects.toThrow(/cluster_block_exception/);
  });
});
