"""A node's media directories: where the next camera records, and how much room the node has.

A camera starting (or restarting) records into the directory with the most free bytes, so disks
added later fill up first and a full disk stops receiving new cameras; a camera stays on its
directory for the rest of its run, which keeps one run's files together.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["pick_media_dir", "space"]


def pick_media_dir(media_dirs: list[Path]) -> Path:
    if not media_dirs:
        raise ValueError("no media directory configured")
    best, best_free = media_dirs[0], -1
    for media_dir in media_dirs:
        try:
            free = shutil.disk_usage(media_dir).free
        except OSError:
            continue  # missing or unmounted: never record onto it
        if free > best_free:
            best, best_free = media_dir, free
    return best


def space(media_dirs: list[Path]) -> tuple[int, int]:
    """(free, total) bytes over the distinct file systems holding ``media_dirs``."""
    seen: set[int] = set()
    free = total = 0
    for media_dir in media_dirs:
        try:
            device = os.stat(media_dir).st_dev
            usage = shutil.disk_usage(media_dir)
        except OSError:
            continue
        if device in seen:
            continue
        seen.add(device)
        free += usage.free
        total += usage.total
    return free, total
