"""Benchmark collector: offline sweeps, on-demand load and generation runs whose
results (versioned JSONL) feed the site's CSVs through ``collect publish``."""

__version__ = "0.1.0"
