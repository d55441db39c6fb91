"""Silver layer assets: typed per-source tables, quarantine, reports, incidents, cases, the unit grid."""

import dagster as dg

from dagster_project.partitions import daily_partitions
from dagster_project.resources import LakehouseResource, SparkResource

SOURCES = ("hotline", "police110", "video", "dust", "truck_gps", "cases")
REPORT_INPUTS = ("hotline", "police110", "video", "cases")
GROUP = "silver"
SINGLE_RUN = dg.BackfillPolicy.single_run()


def _days(context: dg.AssetExecutionContext) -> list[str]:
    return sorted(context.partition_keys)


@dg.asset(name="silver_unit_grid", group_name=GROUP, kinds={"spark", "delta"},
          description="万米单元网格 / the city's unit grid (15-digit codes, district, street, community).")
def silver_unit_grid(spark: SparkResource, lakehouse: LakehouseResource) -> dg.MaterializeResult:
    from spark_jobs.silver.refresh import write_unit_grid

    cells = write_unit_grid(spark.get_session(), lakehouse.settings())
    return dg.MaterializeResult(metadata={"cells": cells})


def _source_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(name=f"silver_{source}", group_name=GROUP, kinds={"spark", "delta"},
              partitions_def=daily_partitions, backfill_policy=SINGLE_RUN,
              deps=[dg.AssetKey(f"bronze_{source}"), dg.AssetKey("silver_unit_grid")],
              description=f"清洗后的 {source} / typed, WGS-84, gridded, de-duplicated {source} records; "
                          "rejected rows go to silver/quarantine with a reason.")
    def _asset(context: dg.AssetExecutionContext, spark: SparkResource,
               lakehouse: LakehouseResource) -> dg.MaterializeResult:
        from spark_jobs.silver.refresh import refresh_source

        counts = refresh_source(spark.get_session(), lakehouse.settings(), source, _days(context))
        return dg.MaterializeResult(metadata=counts.as_metadata())

    return _asset


@dg.asset(name="silver_reports", group_name=GROUP, kinds={"spark", "delta"},
          partitions_def=daily_partitions, backfill_policy=SINGLE_RUN,
          deps=[dg.AssetKey(f"silver_{s}") for s in REPORT_INPUTS],
          description="上报记录 / every accepted hotline, 110, video and case report, typed, with its incident id.")
def silver_reports(context: dg.AssetExecutionContext, spark: SparkResource,
                   lakehouse: LakehouseResource) -> dg.MaterializeResult:
    from models.text_classifier import load_for_home
    from spark_jobs.silver.refresh import refresh_reports

    settings = lakehouse.settings()
    clf = load_for_home(settings)  # trained on earlier reports; without one, codes decide the type
    counts = refresh_reports(spark.get_session(), settings, _days(context),
                             classifier=clf.predict if clf is not None else None)
    return dg.MaterializeResult(metadata={**counts.as_metadata(), "text_classifier": clf is not None})


@dg.asset(name="silver_incidents", group_name=GROUP, kinds={"spark", "delta"},
          partitions_def=daily_partitions, backfill_policy=SINGLE_RUN,
          deps=[dg.AssetKey("silver_reports")],
          description="事件 / one incident per real event across sources (merge within 150 m and 60 min).")
def silver_incidents(context: dg.AssetExecutionContext, spark: SparkResource,
                     lakehouse: LakehouseResource) -> dg.MaterializeResult:
    from spark_jobs.silver.refresh import refresh_incidents

    counts = refresh_incidents(spark.get_session(), lakehouse.settings())
    meta = counts.as_metadata()
    return dg.MaterializeResult(metadata={"reports": meta["rows_in"], "incidents": meta["rows_out"],
                                          "merge_rate": meta["merge_rate"],
                                          "multi_source_incidents": meta["multi_source_incidents"],
                                          "first_source": meta["first_source"],
                                          "rebuilt": meta["rebuilt"], "incidents_rebuilt": meta["incidents_rebuilt"]})


defs = dg.Definitions(assets=[silver_unit_grid, *[_source_asset(s) for s in SOURCES], silver_reports,
                              silver_incidents])
