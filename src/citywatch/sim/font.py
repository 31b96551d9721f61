"""A 3x5 bitmap font in numpy, for burning camera names and times into synthetic frames.

Small and dependency-free (no Pillow): a frame's text costs a few array operations.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

__all__ = ["draw_text", "text_mask"]

_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001010010010",
    "8": "111101111101111", "9": "111101111001111", "A": "010101111101101", "B": "110101110101110",
    "C": "011100100100011", "D": "110101101101110", "E": "111100110100111", "F": "111100110100100",
    "G": "011100101101011", "H": "101101111101101", "I": "111010010010111", "J": "001001001101010",
    "K": "101101110101101", "L": "100100100100111", "M": "101111111101101", "N": "110101101101101",
    "O": "010101101101010", "P": "110101110100100", "Q": "010101101110011", "R": "110101110101101",
    "S": "011100010001110", "T": "111010010010010", "U": "101101101101111", "V": "101101101101010",
    "W": "101101111111101", "X": "101101010101101", "Y": "101101010010010", "Z": "111001010100111",
    ":": "000010000010000", "-": "000000111000000", ".": "000000000000010", "/": "001001010100100",
    "_": "000000000000111", " ": "000000000000000", "?": "111001010000010", "#": "101111101111101",
}  # fmt: skip


@cache
def _glyph(char: str, scale: int) -> npt.NDArray[np.bool_]:
    bits = _GLYPHS.get(char.upper(), _GLYPHS["?"])
    base = np.array([c == "1" for c in bits], dtype=bool).reshape(5, 3)
    padded = np.zeros((5, 4), dtype=bool)
    padded[:, :3] = base
    return np.kron(padded, np.ones((scale, scale), dtype=bool))


def text_mask(text: str, scale: int) -> npt.NDArray[np.bool_]:
    """Boolean mask (5*scale rows) of ``text``; unknown characters render as ``?``."""
    if not text:
        return np.zeros((5 * scale, 0), dtype=bool)
    return np.concatenate([_glyph(c, scale) for c in text], axis=1)


def draw_text(frame: npt.NDArray[np.uint8], text: str, x: int, y: int, scale: int) -> None:
    """White text on a dark box at (x, y), clipped to the frame."""
    mask = text_mask(text, scale)
    pad = scale
    h, w = frame.shape[:2]
    y0, x0 = max(0, y - pad), max(0, x - pad)
    y1, x1 = min(h, y + mask.shape[0] + pad), min(w, x + mask.shape[1] + pad)
    if y1 <= y0 or x1 <= x0:
        return
    frame[y0:y1, x0:x1] = 16
    mh, mw = min(mask.shape[0], h - y), min(mask.shape[1], w - x)
    if mh > 0 and mw > 0:
        region = frame[y : y + mh, x : x + mw]
        region[mask[:mh, :mw]] = 235
