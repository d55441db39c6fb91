"""Quality assets, checks and schedules."""

import dagster as dg

defs = dg.Definitions()
