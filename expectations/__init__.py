"""Great Expectations (GX Core 1.x) suites per bronze and silver table, and the function that runs one."""

from expectations.runner import ExpectationOutcome, SuiteResult, run_suite
from expectations.suites import SUITES, Check, suite_for_table

__all__ = ["SUITES", "Check", "ExpectationOutcome", "SuiteResult", "run_suite", "suite_for_table"]
