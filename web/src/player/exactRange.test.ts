import { describe, expect, it } from "vitest";
import { exactRange } from "./exactRange";

const file = new Uint8Array(Array.from({ length: 100 }, (_, i) => i)).buffer;

describe("byte-range fragments", () => {
  it("cuts the range asked for out of a whole file answered with 200", () => {
    const out = exactRange(file, 200, 10, 20);
    expect([...new Uint8Array(out)]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it("leaves a 206 answer, a request with no range and a short body alone", () => {
    const part = file.slice(10, 20);
    expect(exactRange(part, 206, 10, 20)).toBe(part);
    expect(exactRange(file, 200, undefined, undefined)).toBe(file);
    expect(exactRange(part, 200, 10, 20)).toBe(part);
    expect(exactRange(file.slice(0, 15), 200, 10, 20).byteLength).toBe(15);
  });
});
