import argparse
import subprocess
import sys

import pytest

from collect.cli import add_report_command
from collect.errors import UsageError
from collect.run.options import add_load_arguments, load_settings


def parser():
    main = argparse.ArgumentParser(prog="collect")
    commands = main.add_subparsers(dest="command", required=True)
    add_load_arguments(commands.add_parser("run"))
    add_report_command(commands)
    return main


def parse(*argv):
    return parser().parse_args(["run", *argv])


def test_poisson_rate_sweep_with_dynamic_batching():
    args = parse("--load", "poisson", "--rate", "100,200,400", "--max-batch-size", "16",
                 "--max-batch-delay-ms", "0.5")
    assert args.rate == [100, 200, 400]
    assert load_settings(args) == {"mode": "poisson", "max_batch_size": 16,
                                   "max_batch_delay_ms": 0.5}


def test_slo_search_and_closed_loop_and_generation():
    args = parse("--load", "poisson", "--slo-ms", "50", "--slo-percentile", "95")
    assert (args.slo_ms, args.slo_percentile, args.rate) == (50, 95, None)
    closed = load_settings(parse("--load", "closed", "--concurrency", "8"))
    assert closed["mode"] == "closed" and closed["concurrency"] == [8]
    assert load_settings(parse("--load", "closed", "--concurrency", "1,2,4"))["concurrency"] \
        == [1, 2, 4]
    generate = parse("--mode", "generate", "--input-length", "64", "--output-length", "32",
                     "--dtypes", "fp32,bf16")
    assert generate.dtypes == ["fp32", "bf16"]
    assert load_settings(generate) == {"mode": "generate", "input_length": 64,
                                       "output_length": 32}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--load", "poisson"], "--load poisson needs --rate"),
        (["--load", "closed"], "--load closed needs --concurrency"),
        (["--rate", "100"], "--rate applies to --load poisson only"),
        (["--concurrency", "4"], "--concurrency applies to --load closed only"),
        (["--mode", "generate", "--load", "poisson", "--rate", "5"], "--mode generate cannot"),
    ],
)
def test_option_combinations_that_do_not_fit_are_named(argv, message):
    with pytest.raises(UsageError, match=message):
        load_settings(parse(*argv))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "100,fast"], "argument --rate: expected positive numbers"),
        (["--rate", "-5"], "argument --rate: expected positive numbers"),
        (["--dtypes", "fp32,int3"], "argument --dtypes: expected dtypes from fp32, bf16, fp16"),
        (["--max-batch-size", "0"], "argument --max-batch-size: expected a whole number"),
        (["--slo-percentile", "75"], "argument --slo-percentile: invalid choice"),
    ],
)
def test_bad_values_are_one_line_errors_naming_the_option(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse(*argv)
    assert message in capsys.readouterr().err


def test_report_command_has_help(capsys):
    with pytest.raises(SystemExit) as done:
        parser().parse_args(["report", "--help"])
    assert done.value.code == 0
    assert "--out DIR" in capsys.readouterr().out


def test_option_combinations_are_usage_errors_with_exit_status_2(tmp_path, capsys):
    from collect.cli import main

    with pytest.raises(SystemExit) as done:
        main(["run", "--model", "synthetic:1", "--load", "closed", "--out",
              str(tmp_path / "r.jsonl")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "usage: collect run" in err and "error: --load closed needs --concurrency" in err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0"])
def test_duration_must_be_a_finite_positive_number(value, tmp_path, capsys):
    from collect.cli import main

    with pytest.raises(SystemExit) as done:
        main(["run", "--model", "synthetic:1", "--duration", value, "--out",
              str(tmp_path / "r.jsonl")])
    assert done.value.code == 2
    assert "argument --duration" in capsys.readouterr().err


def test_cli_dtype_names_match_the_generation_module_without_importing_torch():
    code = ("import sys, collect.run.options as c; assert 'torch' not in sys.modules; "
            "print(','.join(c.DTYPES))")
    names = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    from collect.generate.measure import DTYPES

    assert names.split(",") == list(DTYPES)
