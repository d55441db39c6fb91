"""Dagster wiring of GridWatch: assets per layer, resources, checks, schedules."""

import warnings

import dagster as dg

# Weekly gold, the model and the backtest run a range of partitions as one run on purpose
# (BackfillPolicy.single_run): one Spark job over all weeks, not one per week. Dagster marks the
# parameter beta and warns once per asset at import; the choice is made, so the warning is noise.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)
