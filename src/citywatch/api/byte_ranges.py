"""HTTP ``Range`` for the generated clip: one range per request (what players and ffprobe send)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Response
from fastapi.responses import StreamingResponse

__all__ = ["ranged_response"]


def _parse(header: str | None, size: int) -> tuple[int, int] | str | None:
    """``(first, last)``, None for no/ignored range, or "unsatisfiable"."""
    if not header or not header.startswith("bytes="):
        return None
    spec = header[6:].split(",")[0].strip()
    first_text, _, last_text = spec.partition("-")
    try:
        if first_text == "":
            length = int(last_text)
            if length <= 0:
                return "unsatisfiable"
            return max(0, size - length), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size or last < first:
        return "unsatisfiable"
    return first, min(last, size - 1)


def ranged_response(
    range_header: str | None,
    size: int,
    read: Callable[[int, int], Iterator[bytes]],
    *,
    media_type: str,
    headers: dict[str, str],
    head_only: bool = False,
) -> Response:
    """200 with the whole body, 206 with the range, or 416; ``read(first, last)`` yields the bytes."""
    common = {"Accept-Ranges": "bytes", **headers}
    parsed = _parse(range_header, size)
    if parsed == "unsatisfiable":
        return Response(status_code=416, headers={**common, "Content-Range": f"bytes */{size}"})
    if parsed is None or isinstance(parsed, str):
        first, last, status = 0, size - 1, 200
    else:
        first, last = parsed
        status = 206
        common["Content-Range"] = f"bytes {first}-{last}/{size}"
    common["Content-Length"] = str(last - first + 1)
    if head_only or size == 0:
        return Response(status_code=status, headers=common, media_type=media_type)
    return StreamingResponse(read(first, last), status_code=status, headers=common, media_type=media_type)
