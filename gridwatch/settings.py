"""Where GridWatch keeps its data, and the one switch that chooses the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

LAYERS = ("bronze", "silver", "gold")


@dataclass(frozen=True)
class Settings:
    """Paths and runtime choices, all derived from the data home and the environment."""

    home: Path
    spark_master: str
    lakehouse_uri: str | None = None  # e.g. s3a://bucket/gridwatch; default: <home>/lakehouse

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def lakehouse(self) -> str:
        return self.lakehouse_uri or str(self.home / "lakehouse")

    def table_path(self, layer: str, name: str) -> str:
        """Location of one Delta table, grouped by layer."""
        if layer not in LAYERS:
            raise ValueError(f"unknown layer {layer!r}; expected one of {LAYERS}")
        return f"{self.lakehouse.rstrip('/')}/{layer}/{name}"

    @property
    def mlflow_dir(self) -> Path:
        return self.home / "mlflow"

    @property
    def mlflow_tracking_uri(self) -> str:
        return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{self.mlflow_dir / 'mlflow.db'}"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.mlflow_dir / "artifacts"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def truth(self) -> Path:
        """The simulator's true expected counts (only for simulated cities)."""
        return self.home / "truth"

    @property
    def checkpoints(self) -> Path:
        return self.home / "checkpoints"

    def ensure_dirs(self) -> None:
        for d in (self.landing, self.mlflow_dir, self.mlflow_artifacts, self.dagster_home, self.outbox):
            d.mkdir(parents=True, exist_ok=True)


def get_settings(home: str | Path | None = None) -> Settings:
    """Settings from GRIDWATCH_HOME (default ./data), GRIDWATCH_SPARK_MASTER, GRIDWATCH_LAKEHOUSE."""
    root = Path(home or os.environ.get("GRIDWATCH_HOME", "data")).resolve()
    return Settings(
        home=root,
        spark_master=os.environ.get("GRIDWATCH_SPARK_MASTER", "local[*]"),
        lakehouse_uri=os.environ.get("GRIDWATCH_LAKEHOUSE") or None,
    )


def pseudonym_key(settings: Settings) -> bytes:
    """HMAC key for caller pseudonyms: GRIDWATCH_PII_KEY, else a generated key kept in the data home."""
    env = os.environ.get("GRIDWATCH_PII_KEY")
    if env:
        return env.encode("utf-8")
    key_file = settings.home / ".gridwatch_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip().encode("utf-8")
