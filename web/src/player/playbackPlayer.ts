/**
 * Recorded playback through hls.js. Each playlist covers a small window from just before the instant asked
 * for (ten minutes, then the next window when it ends); seeks into what is buffered move the play head, others
 * load a new window. `currentTime` ↔ wall-clock time goes through the EXT-X-PROGRAM-DATE-TIME of the fragment
 * that holds the position, at the place hls.js really put that fragment (see wallClock.ts); fragments are
 * fetched exactly as the playlist's byte ranges say (see exactRange.ts).
 */
// The light build: no subtitles, alternate audio or DRM, which recorded CCTV never has.
import Hls from "hls.js/light";
import type { Fragment, LevelDetails } from "hls.js";
import { urls } from "../api/client";
import { ExactRangeLoader } from "./exactRange";
import { WallClockMap } from "./wallClock";

export type PlaybackState = "loading" | "playing" | "paused" | "norecording" | "denied" | "error";

export interface PlaybackOptions {
  onState?: (state: PlaybackState, detail?: string) => void;
  windowBeforeMs?: number;
  windowAfterMs?: number;
}

function debug(...args: unknown[]): void {
  if ((globalThis as { cwDebug?: boolean }).cwDebug) console.debug("[playback]", ...args);
}

export class PlaybackPlayer {
  private hls: Hls | null = null;
  private readonly clock = new WallClockMap();
  private refine = false;
  private target: number | null = null;
  private wantPlaying = true;
  private rate = 1;
  private destroyed = false;
  private state: PlaybackState = "loading";

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly cameraId: string,
    private readonly opts: PlaybackOptions = {},
  ) {
    video.addEventListener("playing", this.onPlaying);
    video.addEventListener("pause", this.onPause);
    video.addEventListener("ended", this.onEnded);
  }

  /** Diagnostics: the buffered fragments as [media start s, wall-clock ms, duration s]. */
  debugFragments(): [number, number, number][] {
    return this.clock.debugPlaced();
  }

  static supported(): boolean {
    return Hls.isSupported();
  }

  /** Wall-clock ms of the frame on screen, or null when not known. */
  wallNow(): number | null {
    return this.wallAt(this.video.currentTime);
  }

  /** Wall-clock ms shown at media position `mediaS`; null until the fragment holding it is buffered. */
  wallAt(mediaS: number): number | null {
    return this.clock.wallAt(mediaS);
  }

  /** Media position for wall-clock `t`: exact once buffered, else the playlist's estimate; null outside it. */
  mediaAt(t: number): number | null {
    return this.clock.mediaAt(t);
  }

  private onBuffered(frag: Fragment): void {
    if (frag.programDateTime === null || typeof frag.sn !== "number") return;
    // Where this fragment's samples went: hls.js's parsed start (startPTS; `start` is left at 0 for a playlist's
    // first fragment) and its parsed length.
    const start = Number.isFinite(frag.startPTS) ? (frag.startPTS as number) : frag.start;
    const end = Number.isFinite(frag.endPTS) ? (frag.endPTS as number) : frag.start + frag.duration;
    debug(this.cameraId, "buffered", frag.sn, frag.cc, start, end - start, new Date(frag.programDateTime).toISOString());
    this.clock.placedFragment({ sn: frag.sn, cc: frag.cc, start, end, pdt: frag.programDateTime });
    if (this.refine && this.target !== null) {
      // Once the fragment holding the instant asked for is buffered, put the play head exactly on it.
      const pos = this.clock.placedMediaAt(this.target);
      if (pos !== null) {
        this.refine = false;
        debug(this.cameraId, "refine", pos, "ct", this.video.currentTime);
        if (pos >= 0 && Math.abs(pos - this.video.currentTime) > 0.3) this.video.currentTime = pos;
      }
    }
  }

  /** Plays from wall-clock instant `t` (ms since the epoch). */
  seek(t: number): void {
    debug(this.cameraId, "seek", new Date(t).toISOString(), "frags", this.clock.size);
    this.target = t;
    // A short move inside a buffered fragment just moves the play head; anything else loads a fresh, small
    // window, which is as quick and keeps what each tile holds small on a 16-tile wall.
    const now = this.wallNow();
    const near = now !== null && Math.abs(t - now) < 15_000;
    const pos = this.hls && near ? this.clock.placedMediaAt(t) : null;
    if (pos !== null && this.isBuffered(pos)) {
      this.refine = false;
      this.video.currentTime = pos;
      this.setState(this.wantPlaying ? "playing" : "paused");
      if (this.wantPlaying) void this.video.play().catch(() => undefined);
      return;
    }
    this.load(t);
  }

  private isBuffered(pos: number): boolean {
    const b = this.video.buffered;
    for (let i = 0; i < b.length; i++) if (pos >= b.start(i) && pos < b.end(i) - 0.1) return true;
    return false;
  }

  play(): void {
    debug(this.cameraId, "play");
    this.wantPlaying = true;
    void this.video.play().catch(() => undefined);
  }

  pause(): void {
    debug(this.cameraId, "pause");
    this.wantPlaying = false;
    this.video.pause();
  }

  get playing(): boolean {
    return this.wantPlaying;
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.video.playbackRate = rate;
  }

  /** Moves by `frames` frames at `fps` and pauses. */
  step(frames: number, fps = 25): void {
    this.pause();
    this.video.currentTime = Math.max(0, this.video.currentTime + frames / fps);
  }

  destroy(): void {
    this.destroyed = true;
    this.video.removeEventListener("playing", this.onPlaying);
    this.video.removeEventListener("pause", this.onPause);
    this.video.removeEventListener("ended", this.onEnded);
    this.hls?.destroy();
    this.hls = null;
  }

  private readonly onPlaying = () => {
    debug(this.cameraId, "playing at", this.video.currentTime, this.wallNow());
    this.setState("playing");
  };
  /** The end of the loaded window is not the end of the recording: carry on from a new window. */
  private readonly onEnded = () => {
    const w = this.wallNow();
    debug(this.cameraId, "ended at", w);
    if (w !== null && this.wantPlaying && Date.now() - w > 2000) this.load(w + 50);
  };
  private readonly onPause = () => {
    if (this.state === "playing") this.setState("paused");
  };

  private setState(state: PlaybackState, detail?: string): void {
    if (this.destroyed) return;
    if (state === this.state && detail === undefined) return;
    this.state = state;
    this.opts.onState?.(state, detail);
  }

  private index(details: LevelDetails): void {
    this.clock.setPlaylist(
      details.fragments
        .filter((f) => f.programDateTime !== null && typeof f.sn === "number")
        .map((f) => ({
          sn: f.sn as number,
          cc: f.cc,
          start: f.start,
          end: f.start + f.duration,
          pdt: f.programDateTime as number,
        })),
    );
  }

  private load(t: number, windowed = true): void {
    debug(this.cameraId, "load", performance.now());
    this.hls?.destroy();
    debug(this.cameraId, "destroyed", performance.now());
    this.clock.clear();
    this.refine = true;
    this.setState("loading");
    const before = windowed ? (this.opts.windowBeforeMs ?? 30_000) : 0;
    const after = this.opts.windowAfterMs ?? 10 * 60_000;
    const end = Math.min(t + after, Date.now());
    const hls = new Hls({
      autoStartLoad: false,
      enableWorker: true,
      lowLatencyMode: false,
      maxBufferLength: 20,
      backBufferLength: 30,
      startFragPrefetch: true,
      fLoader: ExactRangeLoader,
      fragLoadPolicy: {
        default: {
          maxTimeToFirstByteMs: 10_000,
          maxLoadTimeMs: 20_000,
          timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
          errorRetry: { maxNumRetry: 2, retryDelayMs: 500, maxRetryDelayMs: 2000 },
        },
      },
    });
    this.hls = hls;
    hls.on(Hls.Events.LEVEL_LOADED, (_e, data) => {
      if (this.hls !== hls) return;
      if (this.clock.size > 0) return; // VOD: loaded once per window
      this.index(data.details);
      const goal = this.target ?? t;
      debug(this.cameraId, "level loaded", data.details.fragments.length, "goal", new Date(goal).toISOString());
      let pos = this.clock.mediaAt(goal);
      if (pos === null) {
        const next = this.clock.nextAfter(goal);
        this.setState("norecording", next ? new Date(next.pdt).toISOString() : undefined);
        if (!next) return;
        pos = next.start;
      }
      debug(this.cameraId, "startLoad", pos);
      hls.startLoad(pos);
      this.video.playbackRate = this.rate;
      if (this.wantPlaying) void this.video.play().catch(() => undefined);
    });
    hls.on(Hls.Events.MANIFEST_LOADING, () => debug(this.cameraId, "manifest loading", performance.now()));
    hls.on(Hls.Events.MEDIA_ATTACHED, () => debug(this.cameraId, "media attached", performance.now()));
    hls.on(Hls.Events.MANIFEST_LOADED, () => debug(this.cameraId, "manifest loaded", performance.now()));
    hls.on(Hls.Events.FRAG_BUFFERED, (_e, data) => {
      if (this.hls === hls && data.frag.type === "main") this.onBuffered(data.frag);
    });
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (this.hls !== hls || !data.fatal) return;
      const code = data.response?.code ?? 0;
      if (code === 401 || code === 403) {
        this.setState("denied");
      } else if (data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR && windowed) {
        this.load(this.target ?? t, false);
      } else if (code === 404 || data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR) {
        this.setState("norecording");
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        this.setState("error", data.details);
      }
    });
    hls.loadSource(urls.playback(this.cameraId, new Date(t - before), new Date(end)));
    hls.attachMedia(this.video);
  }
}
