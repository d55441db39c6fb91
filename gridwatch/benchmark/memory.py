"""Peak resident memory of the Spark driver JVM and of this Python process, sampled in a thread."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import psutil


def driver_jvms(parent: psutil.Process | None = None) -> list[psutil.Process]:
    """The Java processes this process started (the Spark driver when running local or client mode)."""
    parent = parent or psutil.Process(os.getpid())
    out = []
    for p in parent.children(recursive=True):
        try:
            if p.name().startswith("java"):
                out.append(p)
        except psutil.NoSuchProcess:
            continue
    return out


@dataclass
class MemorySampler:
    """Samples (time, JVM RSS, Python RSS) every `interval` seconds until stopped."""

    interval: float = 0.25
    samples: list[tuple[float, int, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, name="gridwatch-memory-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        me = psutil.Process(os.getpid())
        jvms: list[psutil.Process] = []
        while not self._stop.is_set():
            if not jvms:
                jvms = driver_jvms(me)
            jvm_rss = 0
            for p in list(jvms):
                try:
                    jvm_rss += p.memory_info().rss
                except psutil.NoSuchProcess:
                    jvms.remove(p)
            self.samples.append((time.time(), jvm_rss, me.memory_info().rss))
            self._stop.wait(self.interval)

    def peak(self, start: float | None = None, end: float | None = None) -> dict[str, float]:
        """Peak JVM and Python RSS in MB between two wall-clock times (default: the whole run)."""
        window = [s for s in self.samples if (start is None or s[0] >= start) and (end is None or s[0] <= end)]
        if not window:  # a step shorter than one interval: the nearest sample before it
            before = [s for s in self.samples if start is None or s[0] <= start]
            window = before[-1:] or self.samples[:1]
        if not window:
            return {"jvm_peak_mb": 0.0, "python_peak_mb": 0.0}
        return {"jvm_peak_mb": round(max(s[1] for s in window) / 2**20, 1),
                "python_peak_mb": round(max(s[2] for s in window) / 2**20, 1)}
