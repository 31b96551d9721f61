import { describe, expect, it } from "vitest";
import { boxes, codecFromInit, fragmentTimes, isInitSegment, ntpToUnixMs, timescaleFromInit, WallClockMap } from "./mp4";

function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  let at = 8;
  for (const p of payload) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytes(...parts: [number, number][]): Uint8Array {
  // [value, width in bytes]
  const total = parts.reduce((n, [, w]) => n + w, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const [v, w] of parts) {
    for (let i = w - 1; i >= 0; i--) out[at + (w - 1 - i)] = Math.floor(v / 2 ** (8 * i)) & 0xff;
    at += w;
  }
  return out;
}

const mdhd = box("mdhd", bytes([0, 4], [0, 4], [0, 4], [90000, 4], [0, 4], [0, 4]));
const avcC = box("avcC", new Uint8Array([1, 0x64, 0x00, 0x28, 0xff]));
const init = box(
  "moov",
  box("mvhd", new Uint8Array(100)),
  box("trak", box("tkhd", new Uint8Array(84)), box("mdia", mdhd, box("minf", box("stbl", box("stsd", new Uint8Array(8), box("avc1", new Uint8Array(78), avcC)))))),
);
const ftypInit = new Uint8Array([...box("ftyp", new TextEncoder().encode("isom\0\0\0\0")), ...init]);

// 2026-11-25T21:14:07.500Z as NTP
const unixS = Date.parse("2026-11-25T21:14:07Z") / 1000;
const ntpS = unixS + 2_208_988_800;
const prft = box("prft", bytes([1 << 24, 4], [1, 4], [ntpS, 4], [2 ** 31, 4], [0, 4], [90000 * 100, 4]));
const tfdt = box("tfdt", bytes([1 << 24, 4], [0, 4], [90000 * 100, 4]));
const moof = box("moof", box("mfhd", new Uint8Array(8)), box("traf", box("tfhd", new Uint8Array(8)), tfdt));
const fragment = new Uint8Array([...prft, ...moof, ...box("mdat", new Uint8Array(16))]);

describe("mp4 boxes", () => {
  it("splits top-level boxes", () => {
    expect(boxes(fragment).map((b) => b.type)).toEqual(["prft", "moof", "mdat"]);
    expect(isInitSegment(ftypInit)).toBe(true);
    expect(isInitSegment(fragment)).toBe(false);
  });

  it("reads the codec string and timescale from the init segment", () => {
    expect(codecFromInit(ftypInit)).toBe("avc1.640028");
    expect(timescaleFromInit(ftypInit)).toBe(90000);
    expect(codecFromInit(fragment)).toBeNull();
  });

  it("reads prft wall-clock and media times", () => {
    const t = fragmentTimes(fragment, 90000);
    expect(t.wallMs).toBe(Date.parse("2026-11-25T21:14:07.500Z"));
    expect(t.mediaS).toBe(100);
    expect(t.decodeS).toBe(100);
    expect(ntpToUnixMs(2_208_988_800, 0)).toBe(0);
  });

  it("maps media time to wall-clock time through the latest anchor", () => {
    const m = new WallClockMap();
    expect(m.wallAt(5)).toBeNull();
    m.add(100, 1_000_000);
    m.add(101, 1_001_010); // a little drift
    expect(m.wallAt(100.5)).toBe(1_000_500);
    expect(m.wallAt(101.25)).toBe(1_001_260);
    expect(m.wallAt(99)).toBe(999_000);
    m.add(0, 5_000_000); // stream restarted: media time went back
    expect(m.wallAt(0.5)).toBe(5_000_500);
  });
});
