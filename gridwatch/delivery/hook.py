"""The delivery hook: after publishing, copy a district's folder somewhere or POST it to a URL, with retries."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from gridwatch.delivery.archive import MANIFEST, ArchiveMismatch, verify_folder

log = logging.getLogger(__name__)

KINDS = ("none", "copy", "post")


class DeliveryError(RuntimeError):
    """Every attempt to deliver a list failed."""


@dataclass(frozen=True)
class DeliveryHook:
    """kind 'copy' (target: a folder), 'post' (target: a URL) or 'none'; retries with a fixed backoff."""

    kind: str = "none"
    target: str = ""
    retries: int = 3
    backoff_seconds: float = 5.0
    timeout_seconds: float = 30.0

    @classmethod
    def from_env(cls) -> DeliveryHook:
        """GRIDWATCH_DELIVERY_HOOK='copy:/mnt/share/risk_lists' or 'post:https://…'; unset means none."""
        spec = os.environ.get("GRIDWATCH_DELIVERY_HOOK", "")
        if not spec:
            return cls()
        kind, _, target = spec.partition(":")
        return cls(kind=kind, target=target, retries=int(os.environ.get("GRIDWATCH_DELIVERY_RETRIES", 3)))


def _copy(folder: Path, target: str) -> str:
    """Copy <week>/<district>/ under the target folder; an existing copy must match the manifest."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    dest = Path(target) / manifest["iso_week"] / manifest["district_code"]
    if (dest / MANIFEST).exists():
        verify_folder(dest)
        return f"already delivered to {dest}"
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, tmp)
    verify_folder(tmp)
    os.rename(tmp, dest)
    return f"copied to {dest}"


def _post(folder: Path, url: str, timeout: float) -> str:
    """POST the manifest and every file as multipart/form-data; any non-2xx status fails the attempt."""
    names = sorted(p.name for p in folder.iterdir())
    handles = {n: (folder / n).open("rb") for n in names}
    try:
        files = [("files", (n, handles[n])) for n in names]
        resp = requests.post(url, files=files, data={"manifest": (folder / MANIFEST).read_text("utf-8")},
                             timeout=timeout)
    finally:
        for h in handles.values():
            h.close()
    if not 200 <= resp.status_code < 300:
        raise DeliveryError(f"HTTP {resp.status_code}: {resp.text[:200]}")
    return f"posted to {url} (HTTP {resp.status_code})"


def deliver(folder: Path, hook: DeliveryHook, sleep: Callable[[float], None] = time.sleep) -> dict:
    """Deliver one published folder; retries, then raises DeliveryError naming the target and last error."""
    if hook.kind not in KINDS:
        raise ValueError(f"unknown delivery hook {hook.kind!r}; expected one of {KINDS}")
    if hook.kind == "none":
        return {"folder": str(folder), "status": "not configured", "attempts": 0}
    verify_folder(folder)
    errors = []
    for attempt in range(1, hook.retries + 2):
        try:
            note = _copy(folder, hook.target) if hook.kind == "copy" else _post(folder, hook.target, hook.timeout_seconds)
            log.info("delivered %s: %s (attempt %d)", folder, note, attempt)
            return {"folder": str(folder), "status": note, "attempts": attempt}
        except ArchiveMismatch:
            raise
        except Exception as exc:  # network, disk, HTTP status: all retried the same way
            errors.append(f"attempt {attempt}: {exc}")
            log.warning("delivery of %s failed (attempt %d): %s", folder, attempt, exc)
            if attempt <= hook.retries:
                sleep(hook.backoff_seconds)
    raise DeliveryError(f"投递失败 / delivery failed: {hook.kind} {hook.target} for {folder} after "
                        f"{len(errors)} attempts; last error: {errors[-1]}")
