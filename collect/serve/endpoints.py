"""Several endpoints of one model (data-parallel copies), one request at a time to one of them.

``round-robin`` sends request i to endpoint i mod N (in the order requests are sent);
``least-outstanding`` sends each to the endpoint with the fewest requests in flight, ties
going round-robin. Each request's timeline says which endpoint answered (``endpoint``, its
index); :func:`endpoint_counts` is the record's ``endpoints``: per URL, the requests sent and
how many failed. One endpoint is the same with N = 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from collect.serve.client import StreamClient, Timeline
from collect.serve.options import LEAST_OUTSTANDING, POLICIES, ROUND_ROBIN
from collect.serve.workload import Prompt


class Endpoints:
    """Streaming clients of every endpoint (``async with``) and the policy between them."""

    def __init__(self, urls: Sequence[str], model: str, api: str, ignore_eos: bool,
                 timeout_s: float, policy: str = ROUND_ROBIN) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown endpoint policy {policy!r}")
        self.urls = list(urls)
        self.policy = policy
        self.clients = [StreamClient(url, model, api, ignore_eos, timeout_s) for url in urls]
        self.outstanding = [0] * len(self.urls)
        self._next = 0

    async def __aenter__(self) -> Endpoints:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self.clients:
            await client.__aexit__(*exc)

    def pick(self) -> int:
        """The endpoint of the next request."""
        count = len(self.urls)
        chosen = self._next
        if self.policy == LEAST_OUTSTANDING:
            rotation = [(self._next + step) % count for step in range(count)]
            chosen = min(rotation, key=lambda index: self.outstanding[index])
        self._next = (chosen + 1) % count
        return chosen

    async def send(self, timeline: Timeline, prompt: Prompt, endpoint: int | None = None
                   ) -> Timeline:
        """Send to ``endpoint`` (an index), or to the one the policy picks."""
        chosen = self.pick() if endpoint is None else endpoint
        timeline.endpoint = chosen
        self.outstanding[chosen] += 1
        try:
            return await self.clients[chosen].send(timeline, prompt)
        finally:
            self.outstanding[chosen] -= 1


def endpoint_counts(timelines: Sequence[Timeline], urls: Sequence[str]) -> list[dict[str, Any]]:
    """``[{"url", "requests", "failed"}]`` per endpoint, in the order they were given."""
    counts = [{"url": url, "requests": 0, "failed": 0} for url in urls]
    for timeline in timelines:
        counts[timeline.endpoint]["requests"] += 1
        counts[timeline.endpoint]["failed"] += not timeline.ok
    return counts
