import { describe, expect, it } from "vitest";
import { typedOptions } from "./typed-options.ts";

describe("typedOptions", () => {
  it("turns numeric and boolean text into values, leaves the rest as text", () => {
    expect(typedOptions({ leaseMs: "10000", ratio: "0.5", neg: "-3", sync: "true", off: "false", isolation: "repeatable-read", host: "127.0.0.1", empty: "" })).toEqual({
      leaseMs: 10000,
      ratio: 0.5,
      neg: -3,
      sync: true,
      off: false,
      isolation: "repeatable-read",
      host: "127.0.0.1",
      empty: "",
    });
  });
});
