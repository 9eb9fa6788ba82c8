"""The campaign file: a good one plans what ``collect run`` would, a bad one is refused with
``file:line: what was expected`` before Ray starts or the results file is touched."""

from __future__ import annotations

import pytest
from campaign_helpers import ROOT, write_campaign

from collect.campaign.spec import load_campaign
from collect.cli import main

GOOD = """\
schema_version: 1
name: sdk-2.21
targets:
  - {instance_type: inf2.xlarge, backend: neuron}
  - {instance_type: c7i.xlarge, backend: cpu}
jobs:
  - model: synthetic:5
    batch_sizes: [1, 2]
    n_models: 2
    duration: 0.5
    no_utilization: true
  - model: bert-base-uncased
    sequence_length: [16, 32]
    load: poisson
    rate: [100, 200]
    max_batch_size: 4
    targets: [c7i.xlarge]
"""


def test_the_guide_s_example_file_is_valid(tmp_path):
    guide = (ROOT / "docs" / "campaigns.rst").read_text(encoding="utf-8")
    block = guide.split(".. code-block:: yaml\n\n", 1)[1].split("\n\n", 1)[0]
    text = "".join(line.removeprefix("    ") + "\n" for line in block.splitlines())
    campaign = load_campaign(write_campaign(tmp_path / "campaign.yaml", text))
    assert list(campaign.targets) == ["inf2.xlarge", "inf2.8xlarge", "c7i.4xlarge"]


def test_a_job_means_what_collect_run_would(tmp_path):
    campaign = load_campaign(write_campaign(tmp_path / "c.yaml", GOOD))
    assert campaign.name == "sdk-2.21"
    assert [job.targets for job in campaign.jobs] == [("inf2.xlarge", "c7i.xlarge"),
                                                      ("c7i.xlarge",)]
    first = campaign.jobs[0].options_for(campaign.targets["inf2.xlarge"], tmp_path / "r.jsonl")
    assert (first.models, first.backend, first.instance_type) == (
        ["synthetic:5"], "neuron", "inf2.xlarge")
    assert (first.batch_sizes, first.n_models, first.timing.duration_s) == ([1, 2], [2], 0.5)
    assert first.sample_utilization is False and first.out == tmp_path / "r.jsonl"
    second = campaign.jobs[1].options
    assert (second.mode, second.rates, second.sequence_lengths, second.settings.max_batch_size) == (
        "poisson", [100.0, 200.0], [16, 32], 4)


def edit(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


BAD = [
    ("schema_version: 1\nname: [sdk\n", 3, "invalid YAML: did not find expected ',' or ']'"),
    (edit("schema_version: 1", "schema_version: 2"), 1, "schema_version: expected 1, got '2'"),
    (GOOD + "owner: me\n", 18, "the campaign: unknown key 'owner'; expected one of "
     "schema_version, name, targets, jobs"),
    (edit("backend: cpu}", "backend: tpu}"), 5,
     "backend: expected one of cpu, cuda, neuron, got 'tpu'"),
    (edit("    n_models: 2\n", "    copies: 2\n"), 9, "job 1: unknown key 'copies'; expected "
     "one of model, sequence_length, batch_sizes, n_models, "),
    (edit("    duration: 0.5\n", "    out: elsewhere.jsonl\n"), 10, "job 1: unknown key 'out'"),
    (edit("batch_sizes: [1, 2]", "batch_sizes: [1, 0]"), 8,
     "job 1: batch_sizes: expected comma-separated positive integers, got '1,0'"),
    (edit("no_utilization: true", "no_utilization: yes please"), 11,
     "job 1: no_utilization: expected true or false, got 'yes please'"),
    (edit("  - model: synthetic:5\n", "  - sequence_length: 8\n"), 7, "job 1: needs model"),
    (edit("targets: [c7i.xlarge]", "targets: [c7i.large]"), 17,
     "job 2: targets c7i.large are not in the campaign's targets (inf2.xlarge, c7i.xlarge)"),
    (edit("    rate: [100, 200]\n", ""), 12,
     "job 2: load poisson needs rate (requests per second) or slo_ms"),
    (edit("    rate: [100, 200]\n", "    slo_ms: 20\n"), 15, "job 2: slo_ms: an SLO search "
     "picks its rates as it goes; run it with collect run"),
    (edit("  - model: synthetic:5\n    batch_sizes: [1, 2]\n    n_models: 2\n",
          "  - model: tiny-gpt2\n    mode: generate\n"), 7,
     "job 1 on inf2.xlarge: mode generate runs on the cpu and cuda backends, not neuron"),
    (edit("model: synthetic:5", "model: bert-huge"), 7,
     "job 1 on inf2.xlarge: unknown model 'bert-huge'; known models: "),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_a_bad_campaign_file_names_file_line_and_what_was_expected(
        tmp_path, capsys, text, line, message):
    campaign = write_campaign(tmp_path / "c.yaml", text)
    out = tmp_path / "r.jsonl"
    assert main(["campaign", str(campaign), "--out", str(out), "--local-target",
                 "c7i.xlarge"]) == 1
    assert capsys.readouterr().err.startswith(f"error: {campaign}:{line}: {message}")
    assert not out.exists()


@pytest.mark.parametrize(("argv", "message"), [
    ([], "without --address, name the target this machine serves with --local-target "
         "(one of inf2.xlarge, c7i.xlarge)"),
    (["--local-target", "m7g.large"], "--local-target 'm7g.large' is not a target of {path} "
                                      "(inf2.xlarge, c7i.xlarge)"),
    (["--local-target", "c7i.xlarge", "--address", "auto"],
     "--local-target is for a run without --address (this machine as the only node)"),
])
def test_where_to_run_is_checked_first(tmp_path, capsys, argv, message):
    campaign = write_campaign(tmp_path / "c.yaml", GOOD)
    out = tmp_path / "r.jsonl"
    assert main(["campaign", str(campaign), "--out", str(out), *argv]) == 1
    assert capsys.readouterr().err == f"error: {message.format(path=campaign)}\n"
    assert not out.exists()


def test_ray_is_imported_only_when_a_campaign_runs():
    import subprocess
    import sys

    code = ("import sys; from collect.cli import build_parser; build_parser(); "
            "import collect.run.modes, collect.campaign.spec, ext; assert 'ray' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0
