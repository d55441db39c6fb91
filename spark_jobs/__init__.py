"""Spark transforms: pure DataFrame -> DataFrame functions and the Spark/Delta session builder."""
