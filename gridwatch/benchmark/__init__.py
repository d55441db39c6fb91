"""The throughput benchmark behind `gridwatch bench`: per-scale runs, memory, reference, report."""
