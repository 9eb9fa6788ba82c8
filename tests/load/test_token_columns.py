import pytest

from collect.publish.token_columns import token_columns
from collect.report.data import load_results

from .test_report import RESULTS


def generate_record():
    return next(r for r in load_results([RESULTS]).records
                if r.get("mode") == "generate" and r["status"] == "ok")


def test_decoder_row_counts_input_and_output_tokens():
    record = generate_record()
    row = token_columns(record, decoder=True)
    assert row["Throughput (tokens/second)"] == f"{record['total_tokens_per_s']:.2f}"
    assert row["Output Token Throughput (tokens/second)"] == f"{record['output_tokens_per_s']:.2f}"
    assert row["Input Length"] == "128" and row["Output Length"] == "64"
    assert row["TP Degree"] == "1" and row["DP Degree"] == "1"
    assert row["TTFT P99 (ms)"] == "50.00"


def test_encoder_decoder_row_has_no_decoder_columns():
    assert "TTFT P50 (ms)" not in token_columns(generate_record(), decoder=False)


def test_only_generation_records_have_token_columns():
    with pytest.raises(ValueError, match="generate record"):
        token_columns({"mode": "offline"}, decoder=True)
