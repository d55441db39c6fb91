"""The one front door: gathers each layer's assets, checks, schedules and sensors."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs import bronze, delivery, gold, maintenance, ml, quality, silver
from dagster_project.resources import default_resources

defs = dg.Definitions.merge(
    bronze.defs,
    silver.defs,
    gold.defs,
    ml.defs,
    delivery.defs,
    quality.defs,
    maintenance.defs,
    dg.Definitions(resources=default_resources()),
)
