"""A recorder's index writer in a process of its own, driven line by line from standard input.

``status CAMERA STATE [KBPS]``, ``alarm CAMERA KIND raise|clear``, ``motion CAMERA start START_US``,
``motion CAMERA end START_US END_US``: queued for the writer;
``flush``: commit what is queued (a failing batch is dropped after the writer's retries) and
print ``committed UNIX_US``; ``quit``.
"""

from __future__ import annotations

import logging
import sys
import time

from citywatch.store.db import make_engine, make_sessionmaker
from citywatch.video.index_writer import IndexWriter, StatusUpdate
from citywatch.video.motion import MotionEnded, MotionStarted


def main(url: str) -> None:
    logging.basicConfig(level=logging.CRITICAL)  # the deliberate failures need not fill the test log
    engine = make_engine(url)
    writer = IndexWriter(make_sessionmaker(engine), node="rec-test", interval_s=0.05)
    writer.start()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "status":
            kbps = float(words[3]) if len(words) > 3 else 2000.0
            now = int(time.time() * 1e6)
            writer.status(StatusUpdate(int(words[1]), words[2], now, now, kbps, 25.0, ""))
        elif words[0] == "alarm":
            writer.alarm(int(words[1]), words[2], raised=words[3] == "raise", message=f"{words[2]} on camera")
        elif words[0] == "motion" and words[2] == "start":
            writer.motion(MotionStarted(int(words[1]), int(words[3])))
        elif words[0] == "motion":
            writer.motion(MotionEnded(int(words[1]), int(words[3]), int(words[4]), 0.05))
        elif words[0] == "flush":
            writer.flush(30.0)
            print(f"committed {int(time.time() * 1e6)}", flush=True)
        elif words[0] == "quit":
            break
    writer.stop()
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1])
