"""A laptop run is the same command: without --address the campaign starts Ray on this
machine serving one target (--local-target); then ``collect publish`` takes its output."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys

from campaign_helpers import ROOT, read_jsonl, write_campaign

RAY_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\s+(INFO|WARNING) ")
LAPTOP = """\
schema_version: 1
name: laptop
targets:
  - {instance_type: my-laptop, backend: cpu}
  - {instance_type: inf2.xlarge, backend: neuron}
jobs:
  - model: [distilbert-base-uncased, synthetic:1]
    sequence_length: 16
    duration: 1
    warmup: 0.2
"""


def collect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "collect", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=240, check=False)


def test_local_target_run_then_publish(tmp_path):
    campaign = write_campaign(tmp_path / "campaign.yaml", LAPTOP)
    out = tmp_path / "raw" / "laptop.jsonl"
    run = collect("campaign", str(campaign), "--out", str(out), "--local-target", "my-laptop")
    assert run.returncode == 0, run.stderr
    assert run.stdout == (f"my-laptop: 2 ok, 0 not ok, 0 re-run\n"
                          f"{out}: 2 configuration(s) recorded\n")
    # quiet off a terminal: only Ray's own log lines (e.g. its token-authentication notice)
    assert all(RAY_LOG_LINE.match(line) for line in run.stderr.splitlines()), run.stderr
    records = read_jsonl(out)
    assert [(r["model"], r["target"], r["status"]) for r in records] == [
        ("distilbert-base-uncased", "my-laptop", "ok"), ("synthetic:1", "my-laptop", "ok")]

    data = tmp_path / "data"
    publish = collect("publish", str(out), "--data-dir", str(data), "--allow-unstable")
    assert publish.returncode == 0, publish.stderr
    assert "left out 1 calibration record(s)" in publish.stdout
    with (data / "cpu" / "throughput_data_encoder.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["Model"], row["Inst. Type"]) for row in rows] == [
        ("distilbert-base-uncased", "my-laptop")]
    assert rows[0]["Source"] == f"collect run {records[0]['run_id']} ({out.as_posix()})"


LOCAL_RAY_ADDRESSES = """\
import json
from pathlib import Path
from collect.campaign.driver import CampaignOptions, ray_connection
from collect.campaign.spec import Target
options = CampaignOptions(Path("c.yaml"), Path("out.jsonl"), local_target="t")
with ray_connection(options, [Target("t", "cpu")]) as ray:
    print(json.dumps([node["NodeManagerAddress"] for node in ray.nodes()]))
"""


def test_a_local_campaign_keeps_ray_on_loopback():
    """Without the tests' own setting (tests/conftest.py), a local campaign binds Ray to
    127.0.0.1 by itself."""
    env = {key: value for key, value in os.environ.items()
           if key != "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"}
    done = subprocess.run([sys.executable, "-c", LOCAL_RAY_ADDRESSES], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout.splitlines()[-1])) == {"127.0.0.1"}
