/**
 * Live view: binary fMP4 over a WebSocket into Media Source Extensions. The first message is the init segment,
 * then one fragment (prft + moof + mdat, about one GOP) per message. A new init segment means the stream
 * restarted: the MediaSource is rebuilt. Wall-clock time of the frame shown comes from the `prft` anchors.
 */
import { urls } from "../api/client";
import { codecFromInit, fragmentTimes, isInitSegment, timescaleFromInit, WallClockMap } from "./mp4";

export type LiveState = "connecting" | "playing" | "stalled" | "offline" | "unsupported" | "closed";

export interface LiveOptions {
  onState?: (state: LiveState, detail?: string) => void;
  /** Keep the shown frame within this many seconds of the newest one received. */
  maxLatencyS?: number;
}

const FALLBACK_CODEC = "avc1.640028";

export class LivePlayer {
  readonly clock = new WallClockMap();
  private ws: WebSocket | null = null;
  private ms: MediaSource | null = null;
  private sb: SourceBuffer | null = null;
  private queue: Uint8Array[] = [];
  private timescale = 90_000;
  private objectUrl: string | null = null;
  private closed = false;
  private retryTimer: number | null = null;
  private retryDelayMs = 1000;
  private lastTrim = 0;
  private state: LiveState = "connecting";
  private announcedMime: string | null = null;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly cameraId: string,
    private readonly opts: LiveOptions = {},
  ) {
    this.connect();
  }

  /** Wall-clock ms of the frame now on screen, or null before the first anchor. */
  wallNow(): number | null {
    return this.clock.wallAt(this.video.currentTime);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) window.clearTimeout(this.retryTimer);
    this.ws?.close();
    this.ws = null;
    this.teardownMedia();
    this.setState("closed");
  }

  private setState(state: LiveState, detail?: string): void {
    if (state === this.state && detail === undefined) return;
    this.state = state;
    this.opts.onState?.(state, detail);
  }

  private connect(): void {
    if (this.closed) return;
    this.setState("connecting");
    const ws = new WebSocket(urls.liveWs(this.cameraId));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) this.onMessage(new Uint8Array(ev.data));
      else if (typeof ev.data === "string") this.onText(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.closed || this.ws !== ws) return;
      this.setState("offline", ev.reason || undefined);
      this.retryTimer = window.setTimeout(() => this.connect(), this.retryDelayMs);
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, 15_000);
    };
  }

  /** `{"type": "init", "mime": …}` announces the next binary message is an init segment. */
  private onText(text: string): void {
    try {
      const msg = JSON.parse(text) as { type?: string; mime?: string };
      if (msg.type === "init" && typeof msg.mime === "string") this.announcedMime = msg.mime;
    } catch {
      /* not for us */
    }
  }

  private onMessage(data: Uint8Array): void {
    if (isInitSegment(data)) {
      this.startMedia(data);
      return;
    }
    if (!this.ms) return; // fragments before any init segment are useless
    const t = fragmentTimes(data, this.timescale);
    if (t.wallMs !== null && t.mediaS !== null) this.clock.add(t.mediaS, t.wallMs);
    this.queue.push(data);
    this.pump();
  }

  private startMedia(init: Uint8Array): void {
    this.teardownMedia();
    this.retryDelayMs = 1000;
    this.timescale = timescaleFromInit(init);
    const mime = this.announcedMime ?? `video/mp4; codecs="${codecFromInit(init) ?? FALLBACK_CODEC}"`;
    this.announcedMime = null;
    if (!window.MediaSource || !MediaSource.isTypeSupported(mime)) {
      this.setState("unsupported", mime);
      return;
    }
    const ms = new MediaSource();
    this.ms = ms;
    this.queue = [init];
    this.objectUrl = URL.createObjectURL(ms);
    this.video.src = this.objectUrl;
    ms.addEventListener(
      "sourceopen",
      () => {
        if (this.ms !== ms) return;
        try {
          this.sb = ms.addSourceBuffer(mime);
        } catch (e) {
          this.setState("unsupported", String(e));
          return;
        }
        this.sb.mode = "segments";
        this.sb.addEventListener("updateend", () => this.onUpdateEnd());
        this.pump();
      },
      { once: true },
    );
  }

  private teardownMedia(): void {
    this.sb = null;
    this.queue = [];
    this.clock.clear();
    if (this.ms && this.ms.readyState === "open") {
      try {
        this.ms.endOfStream();
      } catch {
        /* already ended */
      }
    }
    this.ms = null;
    if (this.objectUrl) {
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
      this.video.removeAttribute("src");
      this.video.load();
    }
  }

  private pump(): void {
    const sb = this.sb;
    if (!sb || sb.updating || this.queue.length === 0) return;
    const next = this.queue.shift()!;
    try {
      sb.appendBuffer(next as Uint8Array<ArrayBuffer>);
    } catch (e) {
      if (e instanceof DOMException && e.name === "QuotaExceededError") {
        this.queue.unshift(next);
        this.trim(true);
      } else {
        this.setState("stalled", String(e));
      }
    }
  }

  private onUpdateEnd(): void {
    const v = this.video;
    const b = v.buffered;
    if (b.length > 0) {
      const end = b.end(b.length - 1);
      const start = b.start(b.length - 1);
      const maxLatency = this.opts.maxLatencyS ?? 3;
      if (v.currentTime < start || end - v.currentTime > maxLatency) {
        v.currentTime = Math.max(start, end - 0.3);
      }
      if (v.paused) void v.play().catch(() => undefined);
      if (this.state !== "playing") this.setState("playing");
    }
    if (!this.trim(false)) this.pump();
  }

  /** Drops media more than 30 s behind the play head; true if a removal is in progress. */
  private trim(force: boolean): boolean {
    const sb = this.sb;
    const now = performance.now();
    if (!sb || sb.updating || (!force && now - this.lastTrim < 10_000)) return false;
    this.lastTrim = now;
    const b = sb.buffered;
    if (b.length === 0) return false;
    const cut = this.video.currentTime - 30;
    if (cut <= b.start(0)) return false;
    sb.remove(b.start(0), cut);
    return true;
  }
}
