import { describe, expect, it } from "vitest";
import { lsnNumber } from "./replication.ts";

describe("PostgreSQL WAL positions", () => {
  it("an LSN is its two hexadecimal halves as one number", () => {
    expect(lsnNumber("0/3000148")).toBe(0x3000148);
    expect(lsnNumber("1/0")).toBe(2 ** 32);
    expect(lsnNumber("A/10")).toBe(10 * 2 ** 32 + 16);
    expect(lsnNumber(null)).toBe(0);
  });
});
