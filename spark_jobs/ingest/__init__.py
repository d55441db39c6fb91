"""Landing -> bronze ingestion: contracts, file ledger, readers per format, exactly-once bronze writes."""

from spark_jobs.ingest.contracts import BRONZE_REASONS, SOURCES, contract
from spark_jobs.ingest.landing import LandedFile
from spark_jobs.ingest.ledger import LEDGER_TABLE, read_ledger
from spark_jobs.ingest.run import IngestResult, bronze_path, ingest_source, pending_files

__all__ = ["BRONZE_REASONS", "LEDGER_TABLE", "SOURCES", "IngestResult", "LandedFile", "bronze_path", "contract",
           "ingest_source", "pending_files", "read_ledger"]
