"""Served runs start their own event loop even where one is already running."""

from __future__ import annotations

import asyncio

import pytest

from collect.serve.client import run_coroutine


async def answer() -> int:
    await asyncio.sleep(0)
    return 42


async def refuse() -> None:
    raise ConnectionRefusedError("refused")


def test_without_a_running_loop() -> None:
    assert run_coroutine(answer()) == 42


def test_inside_a_running_loop_as_under_playwright_or_a_notebook() -> None:
    async def caller() -> int:
        return run_coroutine(answer())

    assert asyncio.run(caller()) == 42


def test_an_error_does_not_chain_to_the_loop_lookup() -> None:
    with pytest.raises(ConnectionRefusedError) as caught:
        run_coroutine(refuse())
    assert caught.value.__context__ is None
