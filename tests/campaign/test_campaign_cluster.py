"""Campaigns on a real multi-node Ray cluster on this machine (tests/campaign/conftest.py):
placement by instance type, a node killed mid-campaign, a driver killed then resumed, and
Neuron placement up to the point where a device is needed."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from campaign_helpers import read_jsonl, start_driver, write_campaign

from collect.campaign.driver import unit_resources
from collect.campaign.spec import Target, load_campaign
from collect.cli import main
from collect.run.modes import plan
from perfcore.records import config_id

TWO_TYPES = """\
schema_version: 1
name: two-types
targets:
  - {instance_type: small.box, backend: cpu}
  - {instance_type: big.box, backend: cpu}
jobs:
  - model: synthetic:5
    batch_sizes: [1, 2]
    duration: 0.3
    warmup: 0.1
  - model: synthetic:2
    batch_sizes: 4
    n_models: [1, 2]
    duration: 0.3
    warmup: 0.1
    targets: [big.box]
"""
GENERATION_JOB = """\
  - model: tiny-gpt2
    mode: generate
    batch_sizes: [1, 2]
    input_length: 8
    output_length: 4
    duration: 0.3
    targets: [small.box]
"""


def planned_keys(campaign_path: Path) -> Counter:
    """Every (config_id, target) the campaign file plans, counted."""
    campaign = load_campaign(campaign_path)
    keys: Counter = Counter()
    for job in campaign.jobs:
        for name in job.targets:
            for config in plan(job.options_for(campaign.targets[name], Path("x.jsonl"))):
                keys[(config_id(config.fields()), name)] += 1
    return keys


def recorded_keys(records: list[dict]) -> Counter:
    return Counter((record["config_id"], record["target"]) for record in records)


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    for instance_type in ("small.box", "big.box"):
        ray_cluster.add(instance_type)
    ray_cluster.add("inf2.xlarge", neuron_cores=2)
    return ray_cluster


def test_every_configuration_once_on_a_node_of_its_type(cluster, tmp_path, capsys):
    campaign = write_campaign(tmp_path / "campaign.yaml", TWO_TYPES + GENERATION_JOB)
    out = tmp_path / "results.jsonl"
    assert main(["campaign", str(campaign), "--out", str(out), "--address", cluster.address]) == 0
    records = read_jsonl(out)
    assert recorded_keys(records) == planned_keys(campaign)
    assert len(records) == 8
    assert {r["model"]: r["mode"] for r in records}["tiny-gpt2"] == "generate"
    for record in records:
        assert record["status"] == "ok", record["reason"]
        assert record["node_id"] in cluster.node_ids(record["target"])
        assert record["env"]["instance_type"] == record["target"]
        assert record["campaign"] == "two-types" and record["attempt"] == 1
        assert record["hostname"] and record["source"] == "collect run"
        assert (out.parent / record["timeseries_file"]).is_file()
    assert len({record["run_id"] for record in records}) == 1
    printed = capsys.readouterr().out
    assert "small.box: 4 ok, 0 not ok, 0 re-run\nbig.box: 4 ok, 0 not ok, 0 re-run\n" in printed


KILLED = """\
schema_version: 1
name: node-loss
targets:
  - {instance_type: kill.box, backend: cpu}
jobs:
  - model: synthetic:10
    batch_sizes: [1, 2, 3]
    duration: 0.3
    warmup: 0.1
    no_utilization: true
  - model: synthetic:10
    n_models: 2
    duration: 4
    warmup: 0.1
    no_utilization: true
"""


def wait_for_records(out: Path, count: int, driver, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if out.exists() and out.read_text().count("\n") >= count:
            return
        assert driver.poll() is None, driver.communicate()
        time.sleep(0.1)
    pytest.fail(f"no {count} record(s) in {out} after {timeout_s} s")


def test_killing_a_node_mid_campaign_loses_and_duplicates_nothing(cluster, tmp_path):
    """Two nodes of one type: one runs the long configuration, the other the short ones.
    The long one's node dies mid-measurement: the configuration runs again on the other
    node and every configuration is recorded exactly once."""
    records, stdout, short_node = run_and_kill_the_busy_node(cluster, tmp_path, "kill.box")
    assert all(record["status"] == "ok" for record in records), records
    assert all(record["node_id"] == short_node for record in records)
    assert [record["attempt"] for record in records if record["n_models"] == 2] == [2]
    assert "kill.box: 4 ok, 0 not ok, 1 re-run\n" in stdout


def test_a_lost_configuration_is_failed_once_retries_are_spent(cluster, tmp_path):
    records, stdout, _ = run_and_kill_the_busy_node(cluster, tmp_path, "lost.box", "--retries",
                                                    "0")
    (lost,) = [record for record in records if record["status"] != "ok"]
    assert (lost["n_models"], lost["status"], lost["node_id"], lost["attempt"]) == (
        2, "failed", None, 1)
    assert lost["reason"].startswith("lost 1 time(s), retries spent; last: ")
    assert "lost.box: 3 ok, 1 not ok, 0 re-run\n" in stdout


def run_and_kill_the_busy_node(cluster, tmp_path: Path, instance_type: str,
                               *options: str) -> tuple[list[dict], str, str]:
    """Run KILLED on two new nodes of ``instance_type``, kill the one inside the long
    configuration; returns the records, the driver's stdout and the surviving node."""
    nodes = [cluster.add(instance_type), cluster.add(instance_type)]
    campaign = write_campaign(tmp_path / "campaign.yaml",
                              KILLED.replace("kill.box", instance_type))
    out = tmp_path / "results.jsonl"
    driver = start_driver(str(campaign), "--out", str(out), "--address", cluster.address,
                          *options)
    wait_for_records(out, 1, driver)
    short_node = read_jsonl(out)[0]["node_id"]
    (busy,) = [node for node in nodes if node.node_id != short_node]  # inside its 4 s
    cluster.cluster.remove_node(busy)
    stdout, stderr = driver.communicate(timeout=120)
    assert driver.returncode == 0, stderr
    records = read_jsonl(out)
    assert recorded_keys(records) == planned_keys(campaign)
    return records, stdout, short_node


def test_resume_after_killing_the_driver(cluster, tmp_path, capsys):
    campaign = write_campaign(tmp_path / "campaign.yaml", TWO_TYPES.replace(
        "batch_sizes: [1, 2]", "batch_sizes: [1, 2, 3]"))
    out = tmp_path / "results.jsonl"
    driver = start_driver(str(campaign), "--out", str(out), "--address", cluster.address)
    wait_for_records(out, 1, driver)
    driver.send_signal(signal.SIGKILL)
    driver.communicate(timeout=30)
    before = out.read_text().splitlines(keepends=True)
    kept = [line for line in before if line.endswith("\n")]
    assert 1 <= len(kept) < 8
    assert main(["campaign", str(campaign), "--out", str(out), "--address", cluster.address,
                 "--resume"]) == 0
    assert out.read_text().startswith("".join(kept))
    records = read_jsonl(out)
    assert recorded_keys(records) == planned_keys(campaign)
    assert len({record["run_id"] for record in records}) == 2
    assert f"resume: {len(kept)} configuration(s) already recorded" in capsys.readouterr().err
    complete = out.read_text()
    assert main(["campaign", str(campaign), "--out", str(out), "--address", "unused:1",
                 "--resume"]) == 0  # nothing left to run: Ray is not contacted
    assert out.read_text() == complete
    assert "resume: 8 configuration(s) already recorded" in capsys.readouterr().err


NEURON = """\
schema_version: 1
name: neuron-placement
targets:
  - {instance_type: inf2.xlarge, backend: neuron}
jobs:
  - model: synthetic:1
    n_models: [1, 2]
    duration: 0.3
"""


def test_neuron_placement_up_to_the_device(cluster, tmp_path):
    """Each copy gets a NeuronCore from Ray (``NEURON_RT_VISIBLE_CORES``); with no Neuron
    device here the backend then refuses, and the record says so."""
    target = Target("inf2.xlarge", "neuron")
    campaign = write_campaign(tmp_path / "campaign.yaml", NEURON)
    configs = plan(load_campaign(campaign).jobs[0].options_for(target, Path("x.jsonl")))
    assert [unit_resources(target, config) for config in configs] == [
        {"bench-inf2.xlarge": 1.0, "neuron_cores": 1.0},
        {"bench-inf2.xlarge": 1.0, "neuron_cores": 2.0}]
    assert unit_resources(Target("c7i.xlarge", "cpu"), configs[1]) == {"bench-c7i.xlarge": 1.0}
    out = tmp_path / "results.jsonl"
    assert main(["campaign", str(campaign), "--out", str(out), "--address", cluster.address]) == 0
    records = {record["n_models"]: record for record in read_jsonl(out)}
    assert records[1]["ray_neuron_cores"] == "0"
    assert sorted(records[2]["ray_neuron_cores"].split(",")) == ["0", "1"]
    for record in records.values():
        assert record["node_id"] in cluster.node_ids("inf2.xlarge")
        assert record["status"] == "failed"
        assert record["reason"].startswith("backend neuron is not available: ")


def test_ctrl_c_stops_cleanly_keeping_what_finished(cluster, tmp_path):
    campaign = write_campaign(tmp_path / "campaign.yaml", TWO_TYPES.replace(
        "batch_sizes: [1, 2]", "batch_sizes: [1, 2, 3, 4, 5, 6]"))
    out = tmp_path / "results.jsonl"
    driver = start_driver(str(campaign), "--out", str(out), "--address", cluster.address)
    wait_for_records(out, 1, driver)
    driver.send_signal(signal.SIGINT)
    _, stderr = driver.communicate(timeout=60)
    assert driver.returncode == 130, stderr
    assert "interrupted; completed configurations are in the results file" in stderr
    text = out.read_text()
    assert text.endswith("\n")
    records = read_jsonl(out)
    assert 1 <= len(records) < 15
    assert max(recorded_keys(records).values()) == 1


def test_work_no_node_of_its_type_could_take_is_refused(cluster, tmp_path, capsys):
    campaign = write_campaign(tmp_path / "campaign.yaml",
                              NEURON.replace("n_models: [1, 2]", "n_models: [1, 4]"))
    out = tmp_path / "results.jsonl"
    assert main(["campaign", str(campaign), "--out", str(out), "--address", cluster.address]) == 1
    assert capsys.readouterr().err == (
        "error: inf2.xlarge: synthetic:1 bs=1 fp32 copies=4 workers=1 asks for "
        "bench-inf2.xlarge: 1, neuron_cores: 4; no node serving bench-inf2.xlarge has that "
        "much (bench-inf2.xlarge: 1, neuron_cores: 2)\n")
    assert out.read_text() == ""


def test_every_node_of_the_test_cluster_binds_to_loopback(ray_cluster):
    ray_cluster.add("loopback.box")
    nodes = ray_cluster.cluster.list_all_nodes()
    assert len(nodes) >= 2
    assert {node.node_ip_address for node in nodes} == {"127.0.0.1"}
    assert ray_cluster.address.startswith("127.0.0.1:")
