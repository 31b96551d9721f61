"""Media and discontinuity sequence numbers for ``live.m3u8`` that keep growing across camera reconnects.

A player reloading the live playlist matches segments by media sequence number (the playlist's
``EXT-X-MEDIA-SEQUENCE`` plus the segment's position) and timelines by discontinuity sequence
number, so a published segment must keep its numbers, numbers run on by one per segment across a
run change (a reconnect), and each ``EXT-X-DISCONTINUITY`` adds one.

Numbers are chained in memory from file to file: a file's first GOP follows the previous file's
last, and a new run's discontinuity number is the previous run's plus one. A file or run this
process has not seen follow another (first request after start, or nobody watched for a while)
starts from its start time in milliseconds since the epoch: every GOP and every run lasts at least
a millisecond, so such a fresh start is always above what was published before it. Numbers are
therefore consistent for as long as the process runs and monotonic even across restarts; after a
restart a player sees them jump forward and re-aligns on ``EXT-X-PROGRAM-DATE-TIME`` (which every
segment carries). Several API processes behind one address would each number on their own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from citywatch.video.recording_query import RecordingRef

__all__ = ["LiveNumbers"]

_MAX_CACHED = 20_000


class LiveNumbers:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._file: dict[tuple[str, int], int] = {}  # (run_id, run_seq) → media sequence of its first GOP
        self._run: dict[str, int] = {}  # run_id → discontinuity sequence
        self._floor: dict[int, tuple[int, int]] = {}  # camera → highest (media, discontinuity) numbers given

    def number(self, recordings: Sequence[RecordingRef], gops: Sequence[int]) -> tuple[list[int], list[int]]:
        """Per recording (consecutive files of one camera, oldest first, ``gops`` GOPs listed of each): the media
        sequence of its first GOP and the discontinuity sequence of its run."""
        media: list[int] = []
        runs: list[int] = []
        with self._lock:
            if len(self._file) > _MAX_CACHED or len(self._run) > _MAX_CACHED:
                self._file.clear()
                self._run.clear()
            for i, rec in enumerate(recordings):
                floor_media, floor_run = self._floor.get(rec.camera_id, (-1, -1))
                seq = self._file.get((rec.run_id, rec.run_seq))
                if seq is None:
                    seq = media[i - 1] + gops[i - 1] if i else max(rec.start_us // 1000, floor_media + 1)
                    self._file[(rec.run_id, rec.run_seq)] = seq
                run = self._run.get(rec.run_id)
                if run is None:
                    run = runs[i - 1] + 1 if i else max(rec.start_us // 1000, floor_run + 1)
                    self._run[rec.run_id] = run
                media.append(seq)
                runs.append(run)
                self._floor[rec.camera_id] = (max(floor_media, seq + gops[i] - 1), max(floor_run, run))
        return media, runs
