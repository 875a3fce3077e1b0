import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stat as statArbitrary } from "./arbitraries.fixture.ts";
import { JuteReader } from "./reader.ts";
import { readStat, STAT_BYTES, writeStat, type Stat } from "./stat.ts";
import { JuteWriter } from "./writer.ts";

describe("Stat", () => {
  test("68 bytes in ZooKeeper's field order", () => {
    const stat: Stat = { czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 8n, dataLength: 9, numChildren: 10, pzxid: 11n };
    const writer = new JuteWriter();
    writeStat(writer, stat);
    const bytes = writer.finish();
    expect(bytes.length).toBe(STAT_BYTES);
    expect(STAT_BYTES).toBe(68);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    expect([view.getBigInt64(0), view.getBigInt64(8), view.getBigInt64(16), view.getBigInt64(24)]).toEqual([1n, 2n, 3n, 4n]);
    expect([view.getInt32(32), view.getInt32(36), view.getInt32(40)]).toEqual([5, 6, 7]);
    expect(view.getBigInt64(44)).toBe(8n);
    expect([view.getInt32(52), view.getInt32(56)]).toEqual([9, 10]);
    expect(view.getBigInt64(60)).toBe(11n);
  });

  test("property: round trip", () => {
    fc.assert(
      fc.property(statArbitrary, (stat) => {
        const writer = new JuteWriter();
        writeStat(writer, stat);
        const reader = new JuteReader(writer.finish());
        expect(readStat(reader)).toEqual(stat);
        reader.end("stat");
      }),
    );
  });
});
