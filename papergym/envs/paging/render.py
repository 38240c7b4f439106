"""The cache timeline image of Paging-v0 (``render_mode="rgb_array"``)."""

from __future__ import annotations

import colorsys

import numpy as np

CELL = 6          # pixels per slot and per step
MAX_COLUMNS = 200  # the latest steps shown


def page_colour(page: int, n_pages: int) -> np.ndarray:
    """A fixed colour per page (hues spread by the golden ratio), dark grey for empty."""
    if page < 0:
        return np.array([40, 40, 40], dtype=np.uint8)
    hue = (page * 0.618033988749895) % 1.0
    return (np.array(colorsys.hsv_to_rgb(hue, 0.55, 0.75)) * 255).astype(np.uint8)


def cache_timeline(history: list[tuple[np.ndarray, int]], k: int, n_pages: int) -> np.ndarray:
    """An RGB image: one column per step (fault), one row per slot, colour = page, and
    the slot filled at that step drawn with a white frame. Shape ``(k*CELL, W, 3)``."""
    steps = history[-MAX_COLUMNS:]
    image = np.full((k * CELL, max(1, len(steps)) * CELL, 3), 20, dtype=np.uint8)
    for col, (pages, filled) in enumerate(steps):
        x = col * CELL
        for slot, page in enumerate(pages.tolist()):
            y = slot * CELL
            image[y:y + CELL, x:x + CELL] = page_colour(page, n_pages)
            if slot == filled:
                image[y:y + CELL, x] = image[y:y + CELL, x + CELL - 1] = 255
                image[y, x:x + CELL] = image[y + CELL - 1, x:x + CELL] = 255
    return image
