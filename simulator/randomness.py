"""Independent, reproducible random streams, one per purpose, all derived from the run's seed."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator for one purpose (e.g. ('events', week)); same seed and keys, same numbers."""
    parts = [int(seed)] + [zlib.crc32(k.encode()) if isinstance(k, str) else int(k) for k in keys]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(parts)))
