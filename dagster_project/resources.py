"""Resources: the Spark session, the lakehouse paths and the MLflow store, built once per process."""

from __future__ import annotations

import os

import dagster as dg
from pydantic import PrivateAttr
from pyspark.sql import DataFrame, SparkSession

from gridwatch.settings import Settings, get_settings
from spark_jobs.session import build_spark


class LakehouseResource(dg.ConfigurableResource):
    """Where every table lives: <home>/lakehouse/<layer>/<table> unless a lakehouse URI is set."""

    home: str = ""
    lakehouse_uri: str = ""

    def settings(self) -> Settings:
        s = get_settings(self.home or None)
        if self.lakehouse_uri:
            s = Settings(home=s.home, spark_master=s.spark_master, lakehouse_uri=self.lakehouse_uri)
        return s

    def path(self, layer: str, table: str) -> str:
        return self.settings().table_path(layer, table)


class SparkResource(dg.ConfigurableResource):
    """One Spark session per process, local[*] by default, any master by configuration."""

    master: str = ""
    shuffle_partitions: int = 0
    driver_memory: str = ""

    _session: SparkSession | None = PrivateAttr(default=None)

    def get_session(self) -> SparkSession:
        if self._session is None:
            extra = {"spark.driver.memory": self.driver_memory} if self.driver_memory else None
            self._session = build_spark(
                master=self.master or os.environ.get("GRIDWATCH_SPARK_MASTER", "local[*]"),
                shuffle_partitions=self.shuffle_partitions or None,
                extra_conf=extra,
            )
        return self._session

    def read_delta(self, path: str) -> DataFrame:
        return self.get_session().read.format("delta").load(path)


class MLflowResource(dg.ConfigurableResource):
    """The MLflow tracking store (SQLite under the data home by default) and registry."""

    tracking_uri: str = ""
    experiment: str = "gridwatch"

    def setup(self, settings: Settings) -> str:
        import mlflow

        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        uri = self.tracking_uri or settings.mlflow_tracking_uri
        settings.mlflow_dir.mkdir(parents=True, exist_ok=True)
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        if mlflow.get_experiment_by_name(self.experiment) is None:
            mlflow.create_experiment(self.experiment, artifact_location=settings.mlflow_artifacts.as_uri())
        mlflow.set_experiment(self.experiment)
        return uri


def default_resources() -> dict:
    """Resources for the embedded default; everything else comes from environment or run config."""
    return {
        "spark": SparkResource(),
        "lakehouse": LakehouseResource(),
        "mlflow": MLflowResource(),
    }
