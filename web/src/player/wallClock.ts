/**
 * Media position ↔ wall-clock time for recorded playback, fragment by fragment.
 *
 * Every playlist fragment carries its own EXT-X-PROGRAM-DATE-TIME (the recorder's wall clock at its first
 * frame). Once hls.js has buffered a fragment we know where in the media element it really landed (its parsed
 * start and end), so a position inside it maps exactly: `pdt + (position − start)`. Nothing is carried from one
 * fragment to the next, so a discontinuity, a re-based timeline or a window reloaded after a seek cannot leave a
 * stale offset behind. Fragments not buffered yet are mapped from the playlist's own timing, as an estimate
 * that is used only to choose where to start loading.
 */

export interface FragmentTime {
  sn: number;
  cc: number;
  /** media seconds */
  start: number;
  end: number;
  /** wall-clock ms at `start` */
  pdt: number;
}

function holding(list: FragmentTime[], mediaS: number): FragmentTime | null {
  // Newest last: where fragments overlap (a re-based append), the later one is what the element shows.
  for (let i = list.length - 1; i >= 0; i--) {
    const f = list[i];
    if (mediaS >= f.start && mediaS < f.end) return f;
  }
  return null;
}

function holdingWall(list: FragmentTime[], t: number): FragmentTime | null {
  for (let i = list.length - 1; i >= 0; i--) {
    const f = list[i];
    if (t >= f.pdt && t < f.pdt + (f.end - f.start) * 1000) return f;
  }
  return null;
}

export class WallClockMap {
  private planned: FragmentTime[] = [];
  private placed: FragmentTime[] = [];

  /** The playlist's fragments, as it times them (estimates until buffered). */
  setPlaylist(fragments: FragmentTime[]): void {
    this.planned = [...fragments].sort((a, b) => a.start - b.start);
    this.placed = [];
  }

  clear(): void {
    this.planned = [];
    this.placed = [];
  }

  /** A fragment is in the media element's buffer at `[start, end)`; it replaces whatever it overlaps. */
  placedFragment(f: FragmentTime): void {
    if (!(f.end > f.start) || !Number.isFinite(f.pdt)) return;
    this.placed = this.placed.filter((p) => p.sn !== f.sn && (p.end <= f.start || p.start >= f.end));
    this.placed.push(f);
  }

  /** Wall-clock ms of media position `mediaS`, only where a buffered fragment holds it. */
  wallAt(mediaS: number): number | null {
    const f = holding(this.placed, mediaS);
    return f ? f.pdt + (mediaS - f.start) * 1000 : null;
  }

  /** Media position of wall-clock `t` in a buffered fragment, or null. */
  placedMediaAt(t: number): number | null {
    const f = holdingWall(this.placed, t);
    return f ? f.start + (t - f.pdt) / 1000 : null;
  }

  /** Media position of `t`: exact where buffered, else the playlist's estimate; null outside the playlist. */
  mediaAt(t: number): number | null {
    const exact = this.placedMediaAt(t);
    if (exact !== null) return exact;
    const f = holdingWall(this.planned, t);
    return f ? f.start + (t - f.pdt) / 1000 : null;
  }

  /** The first fragment of the playlist starting after `t` (for "no recording; next at …"). */
  nextAfter(t: number): FragmentTime | null {
    return this.planned.find((f) => f.pdt > t) ?? null;
  }

  get size(): number {
    return this.planned.length;
  }

  /** Diagnostics: buffered fragments as [media start s, wall-clock ms, duration s]. */
  debugPlaced(): [number, number, number][] {
    return [...this.placed].sort((a, b) => a.start - b.start).map((f) => [f.start, f.pdt, f.end - f.start]);
  }
}
