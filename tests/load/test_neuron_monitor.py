import json
from pathlib import Path

import pytest

from collect.env.neuron_monitor import (
    NeuronMonitorFormatError,
    iter_reports,
    monitor_config,
    parse_report,
)

FIXTURE = Path(__file__).parent / "fixtures" / "neuron_monitor_inf2.jsonl"


def samples():
    with FIXTURE.open() as lines:
        return list(iter_reports(lines, str(FIXTURE)))


def test_fixture_reports_parse_into_per_core_utilisation_and_memory():
    idle, one_core, two_cores, broken = samples()
    assert idle.core_utilization == {} and idle.mean_utilization is None
    assert idle.instance_type == "inf2.xlarge"
    assert one_core.period_s == pytest.approx(1.000385359)
    assert one_core.core_utilization == {0: pytest.approx(99.38037580375642)}
    assert one_core.device_memory_bytes == 209715200
    assert one_core.host_memory_bytes == 33554432
    assert two_cores.core_utilization == {0: 100.0, 1: 97.5}
    assert two_cores.mean_utilization == pytest.approx(98.75)
    assert broken.core_utilization == {}
    assert broken.errors == ("neuroncore_counters: failed to read counters",)
    assert broken.device_memory_bytes == 419430400


def test_seed_000_counters_excerpt_parses():
    # The shape seed 000 shows, wrapped in the documented report structure.
    counters = json.loads('{"period":1.000075097,"neuroncores_in_use":{"0":'
                          '{"neuroncore_utilization":100,"effective_flops":34553733110090}}}')
    report = {"neuron_runtime_data": [{"report": {"neuroncore_counters": counters}}]}
    assert parse_report(report).core_utilization == {0: 100.0}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "one JSON object per line"),
        ("[1, 2]", "a JSON object"),
        ('{"neuron_runtime_data": {}}', "to be a list"),
        ('{"neuron_runtime_data": [{"pid": 1}]}', '"report" object'),
        ('{"neuron_runtime_data": [{"report": {"neuroncore_counters": {"neuroncores_in_use":'
         ' {"0": {"neuroncore_utilization": "high"}}}}}]}', "numeric"),
    ],
)
def test_malformed_lines_name_the_source_line_and_what_was_expected(line, expected):
    with pytest.raises(NeuronMonitorFormatError, match=r"monitor\.log:3") as error:
        list(iter_reports(["", "\n", line], "monitor.log"))
    assert expected in str(error.value)


def test_config_requests_the_parsed_metric_groups():
    config = monitor_config(0.5)
    assert config["period"] == "0.5s"
    types = {m["type"] for m in config["neuron_runtimes"][0]["metrics"]}
    assert types == {"neuroncore_counters", "memory_used"}
