"""The live queue is bounded by media time and bytes, and resumes only at a keyframe."""

from __future__ import annotations

from dataclasses import dataclass

from citywatch.video.live_queue import SkipAheadQueue


@dataclass(frozen=True)
class Part:
    data: bytes
    duration_90k: int
    key: bool


def _part(size: int = 100, seconds: float = 0.2, key: bool = False) -> Part:
    return Part(bytes(size), int(seconds * 90_000), key)


def test_a_full_queue_is_dropped_and_resumes_at_the_next_keyframe() -> None:
    q: SkipAheadQueue[Part] = SkipAheadQueue(max_s=1.0, max_bytes=10_000)
    assert q.offer(_part(key=True))
    for _ in range(4):
        assert q.offer(_part())
    assert len(q) == 5  # exactly one second
    assert not q.offer(_part())  # over the time bound: dropped, and this part is no keyframe
    assert len(q) == 0 and q.skipped == 6
    assert not q.offer(_part())
    assert q.offer(_part(key=True))
    assert q.pop().key and q.queued_bytes == 0


def test_bytes_bound_the_queue_when_parts_are_heavy() -> None:
    q: SkipAheadQueue[Part] = SkipAheadQueue(max_s=60.0, max_bytes=1_000)
    for _ in range(10):
        q.offer(_part(size=300, key=True))
        assert q.queued_bytes <= 1_000
    assert q.skipped > 0


def test_a_viewer_never_starts_mid_gop() -> None:
    q: SkipAheadQueue[Part] = SkipAheadQueue()
    assert not q.offer(_part())
    assert len(q) == 0 and q.skipped == 1
