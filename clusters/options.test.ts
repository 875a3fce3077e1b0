import { describe, expect, it } from "vitest";
import { UsageError } from "../harness/errors.ts";
import { typedOptions } from "../harness/spec/typed-options.ts";
import { declareOptions } from "./options.ts";

const options = declareOptions("demo", {
  acks: { type: "choice", choices: ["all", "1", "0"], default: "all", help: "producer acks" },
  reads: { type: "choice", choices: ["get", "search"], default: "get", help: "how reads are made" },
});

describe("choice options", () => {
  it("take a number whose text is a choice: `--opt acks=1` arrives as the number 1", () => {
    expect(options.parse(typedOptions({ acks: "1" }))).toEqual({ acks: "1", reads: "get" });
    expect(options.parse({ acks: 0 })).toEqual({ acks: "0", reads: "get" });
    expect(options.parse({ acks: "all" })).toEqual({ acks: "all", reads: "get" });
  });

  it("refuse numbers and text that are not choices, naming the option and the choices", () => {
    expect(() => options.parse({ acks: 2 })).toThrow(UsageError);
    expect(() => options.parse({ acks: 2 })).toThrow(/demo: option acks must be one of all, 1, 0, got 2/);
    expect(() => options.parse({ acks: 1.5 })).toThrow(/got 1.5/);
    expect(() => options.parse({ reads: 1 })).toThrow(/option reads must be one of get, search, got 1/);
    expect(() => options.parse({ acks: true })).toThrow(/got true/);
  });
});
