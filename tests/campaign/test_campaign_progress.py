"""The campaign's progress: one bar on a terminal (done / total, and per target), nothing
off a terminal; the per-target tallies the summary prints."""

from __future__ import annotations

import io

from collect.campaign.progress import CampaignProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(progress: CampaignProgress) -> None:
    progress.done({"target": "inf2.xlarge", "status": "ok"})
    progress.rerun("trn1.2xlarge")
    progress.done({"target": "trn1.2xlarge", "status": "oom"})
    progress.close()


def test_one_bar_on_a_terminal():
    terminal = Terminal()
    progress = CampaignProgress({"inf2.xlarge": 2, "trn1.2xlarge": 1}, terminal)
    feed(progress)
    frames = terminal.getvalue().split("\r\x1b[K")
    assert frames[1] == "[------------------------] 0/3  inf2.xlarge 0/2  trn1.2xlarge 0/1"
    assert frames[-1] == "[################--------] 2/3  inf2.xlarge 1/2  trn1.2xlarge 1/1\n"
    assert progress.tallies["inf2.xlarge"].summary() == "1 ok, 0 not ok, 0 re-run"
    assert progress.tallies["trn1.2xlarge"].summary() == "0 ok, 1 not ok, 1 re-run"


def test_quiet_off_a_terminal():
    stream = io.StringIO()
    feed(CampaignProgress({"inf2.xlarge": 2, "trn1.2xlarge": 1}, stream))
    assert stream.getvalue() == ""
