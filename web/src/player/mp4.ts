/**
 * Just enough ISO BMFF parsing for live view: the codec string and timescale from an init segment, and the
 * `prft` (producer reference time) wall-clock anchor and `tfdt` decode time from each fragment.
 */

export interface Box {
  type: string;
  start: number; // offset of the box header
  size: number;
  headerSize: number;
}

const NTP_UNIX_OFFSET_S = 2_208_988_800;

export function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function u64(b: Uint8Array, at: number): number {
  return u32(b, at) * 2 ** 32 + u32(b, at + 4);
}

/** The boxes directly inside `b[from, to)`. */
export function boxes(b: Uint8Array, from = 0, to = b.length): Box[] {
  const out: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    let size = u32(b, at);
    let headerSize = 8;
    if (size === 1) {
      size = u64(b, at + 8);
      headerSize = 16;
    } else if (size === 0) size = to - at;
    if (size < headerSize || at + size > to) break;
    out.push({ type: fourcc(b, at + 4), start: at, size, headerSize });
    at += size;
  }
  return out;
}

function child(b: Uint8Array, parent: Box, type: string): Box | undefined {
  return boxes(b, parent.start + parent.headerSize, parent.start + parent.size).find((x) => x.type === type);
}

function findPath(b: Uint8Array, path: string[]): Box | undefined {
  let box = boxes(b).find((x) => x.type === path[0]);
  for (const type of path.slice(1)) {
    if (!box) return undefined;
    box = child(b, box, type);
  }
  return box;
}

function indexOfType(b: Uint8Array, type: string): number {
  const t = [0, 1, 2, 3].map((i) => type.charCodeAt(i));
  for (let i = 4; i + 4 <= b.length; i++) {
    if (b[i] === t[0] && b[i + 1] === t[1] && b[i + 2] === t[2] && b[i + 3] === t[3]) return i;
  }
  return -1;
}

export function isInitSegment(b: Uint8Array): boolean {
  const first = boxes(b);
  return first.some((x) => x.type === "moov");
}

/** `avc1.PPCCLL` from the avcC box (profile, constraint flags, level), or null without one. */
export function codecFromInit(b: Uint8Array): string | null {
  const at = indexOfType(b, "avcC");
  if (at < 0 || at + 8 > b.length) return null;
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `avc1.${hex(b[at + 5])}${hex(b[at + 6])}${hex(b[at + 7])}`;
}

/** The media timescale (ticks per second) of the first track, from its `mdhd`; 90 kHz if absent. */
export function timescaleFromInit(b: Uint8Array): number {
  const mdhd = findPath(b, ["moov", "trak", "mdia", "mdhd"]);
  if (!mdhd) return 90_000;
  const at = mdhd.start + mdhd.headerSize;
  const version = b[at];
  return version === 1 ? u32(b, at + 4 + 16) : u32(b, at + 4 + 8);
}

export interface FragmentTimes {
  /** Wall-clock ms since the Unix epoch from `prft`, or null. */
  wallMs: number | null;
  /** Media time in seconds that `wallMs` refers to (from `prft`, else `tfdt`). */
  mediaS: number | null;
  /** Decode time of the fragment's first sample in seconds (`tfdt`). */
  decodeS: number | null;
}

export function ntpToUnixMs(seconds: number, fraction: number): number {
  return (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction / 2 ** 32) * 1000;
}

export function fragmentTimes(b: Uint8Array, timescale: number): FragmentTimes {
  const top = boxes(b);
  let wallMs: number | null = null;
  let mediaS: number | null = null;
  const prft = top.find((x) => x.type === "prft");
  if (prft) {
    const at = prft.start + prft.headerSize;
    const version = b[at];
    wallMs = ntpToUnixMs(u32(b, at + 8), u32(b, at + 12));
    mediaS = (version === 1 ? u64(b, at + 16) : u32(b, at + 16)) / timescale;
  }
  let decodeS: number | null = null;
  const moof = top.find((x) => x.type === "moof");
  const traf = moof && child(b, moof, "traf");
  const tfdt = traf && child(b, traf, "tfdt");
  if (tfdt) {
    const at = tfdt.start + tfdt.headerSize;
    decodeS = (b[at] === 1 ? u64(b, at + 4) : u32(b, at + 4)) / timescale;
  }
  if (mediaS === null) mediaS = decodeS;
  return { wallMs, mediaS, decodeS };
}

/** Maps media time (seconds, as `video.currentTime`) to wall-clock ms through the latest anchors. */
export class WallClockMap {
  private anchors: { mediaS: number; wallMs: number }[] = [];

  add(mediaS: number, wallMs: number): void {
    const last = this.anchors[this.anchors.length - 1];
    if (last && mediaS <= last.mediaS) this.anchors = this.anchors.filter((a) => a.mediaS < mediaS);
    this.anchors.push({ mediaS, wallMs });
    if (this.anchors.length > 600) this.anchors.splice(0, this.anchors.length - 600);
  }

  clear(): void {
    this.anchors = [];
  }

  wallAt(mediaS: number): number | null {
    const a = this.anchors;
    if (a.length === 0) return null;
    let lo = 0;
    let hi = a.length - 1;
    if (mediaS < a[0].mediaS) return a[0].wallMs + (mediaS - a[0].mediaS) * 1000;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid].mediaS <= mediaS) lo = mid;
      else hi = mid - 1;
    }
    return a[lo].wallMs + (mediaS - a[lo].mediaS) * 1000;
  }
}
