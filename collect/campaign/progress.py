"""A campaign's progress: one bar (done / total, and per target) on a terminal, nothing
otherwise; per target what was recorded (ok, not ok) and how often work was re-run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from collect.engine.progress import BAR_WIDTH


@dataclass
class Tally:
    total: int = 0
    ok: int = 0
    not_ok: int = 0
    reruns: int = 0

    @property
    def done(self) -> int:
        return self.ok + self.not_ok

    def summary(self) -> str:
        return f"{self.ok} ok, {self.not_ok} not ok, {self.reruns} re-run"


class CampaignProgress:
    """``done(record)`` after each recorded configuration, ``rerun(target)`` after a loss."""

    def __init__(self, totals: dict[str, int], stream: TextIO) -> None:
        self.tallies = {target: Tally(total) for target, total in totals.items()}
        self.stream = stream
        self.tty = stream.isatty()
        self.draw()

    def done(self, record: dict) -> None:
        tally = self.tallies[record["target"]]
        if record["status"] == "ok":
            tally.ok += 1
        else:
            tally.not_ok += 1
        self.draw()

    def rerun(self, target: str) -> None:
        self.tallies[target].reruns += 1
        self.draw()

    def draw(self) -> None:
        if not self.tty:
            return
        total = sum(tally.total for tally in self.tallies.values())
        done = sum(tally.done for tally in self.tallies.values())
        filled = BAR_WIDTH * done // max(total, 1)
        per_target = "  ".join(f"{target} {tally.done}/{tally.total}"
                               for target, tally in self.tallies.items())
        self.stream.write(f"\r\x1b[K[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
                          f"{done}/{total}  {per_target}")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
