/**
 * Byte-range fragments exactly as the playlist names them, whatever the HTTP layer answered.
 *
 * A recording that is still being written grows, so its validators (ETag, Last-Modified) change; Chromium then
 * sends the next range request for the same URL with `If-Range` set to the old validator, and the server rightly
 * answers 200 with the whole file. hls.js only warns ("Payload length … does not match requested Range") and
 * parses every GOP of the file as if it were the one fragment: its timing table breaks, it re-bases later
 * fragments on the wrong start, and the wall-clock time shown for a frame is off by seconds. A 200 to a range
 * request is the whole resource from byte 0, so cutting out the range asked for gives exactly the fragment.
 */
import Hls from "hls.js/light";
import type {
  FragmentLoaderContext,
  HlsConfig,
  Loader,
  LoaderCallbacks,
  LoaderConfiguration,
  LoaderContext,
  LoaderStats,
  NullableNetworkDetails,
} from "hls.js";

/** `data` cut to `[rangeStart, rangeEnd)` when it is a whole resource (HTTP 200) answering a range request. */
export function exactRange<T extends string | ArrayBuffer>(
  data: T,
  status: number | undefined,
  rangeStart: number | undefined,
  rangeEnd: number | undefined,
): T {
  if (!rangeEnd || status !== 200 || typeof data === "string") return data;
  const start = rangeStart ?? 0;
  if (data.byteLength <= rangeEnd - start || data.byteLength < rangeEnd) return data;
  return data.slice(start, rangeEnd) as T;
}

function statusOf(details: NullableNetworkDetails): number | undefined {
  const s = (details as { status?: unknown } | null)?.status;
  return typeof s === "number" ? s : undefined;
}

/** hls.js's own loader for fragments, with every payload passed through `exactRange`. */
export class ExactRangeLoader implements Loader<FragmentLoaderContext> {
  private readonly inner: Loader<LoaderContext>;

  constructor(config: HlsConfig) {
    this.inner = new Hls.DefaultConfig.loader(config);
  }

  get context(): FragmentLoaderContext | null {
    return this.inner.context as FragmentLoaderContext | null;
  }

  get stats(): LoaderStats {
    return this.inner.stats;
  }

  destroy(): void {
    this.inner.destroy();
  }

  abort(): void {
    this.inner.abort();
  }

  getCacheAge(): number | null {
    return this.inner.getCacheAge?.() ?? null;
  }

  getResponseHeader(name: string): string | null {
    return this.inner.getResponseHeader?.(name) ?? null;
  }

  load(context: FragmentLoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<FragmentLoaderContext>): void {
    const { rangeStart, rangeEnd } = context;
    const { onProgress, onSuccess } = callbacks;
    const wrapped: LoaderCallbacks<LoaderContext> = {
      ...(callbacks as unknown as LoaderCallbacks<LoaderContext>),
      onSuccess: (response, stats, ctx, details) => {
        const data = response.data;
        const exact =
          typeof data === "string" || data instanceof ArrayBuffer
            ? exactRange(data, response.code ?? statusOf(details), rangeStart, rangeEnd)
            : data;
        if (exact !== data && exact instanceof ArrayBuffer) stats.loaded = stats.total = exact.byteLength;
        onSuccess({ ...response, data: exact }, stats, ctx as FragmentLoaderContext, details);
      },
      onProgress: onProgress
        ? (stats, ctx, data, details) =>
            onProgress(stats, ctx as FragmentLoaderContext, exactRange(data, statusOf(details), rangeStart, rangeEnd), details)
        : undefined,
    };
    this.inner.load(context, config, wrapped);
  }
}
