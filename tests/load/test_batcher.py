import threading
import time

import pytest

from collect.openloop.batcher import DynamicBatcher, Request


def _submit(batcher, count, start_index=0):
    for index in range(start_index, start_index + count):
        batcher.submit(Request(index, time.perf_counter()))


def test_batches_never_exceed_the_max_batch_size():
    batcher = DynamicBatcher(max_batch_size=16, max_batch_delay_ms=1000)
    _submit(batcher, 40)
    batcher.close()
    sizes = []
    while (batch := batcher.next_batch()) is not None:
        sizes.append(len(batch))
    assert sizes == [16, 16, 8]


def test_requests_keep_their_arrival_order():
    batcher = DynamicBatcher(max_batch_size=4, max_batch_delay_ms=0)
    _submit(batcher, 10)
    batcher.close()
    order = []
    while (batch := batcher.next_batch()) is not None:
        order.extend(r.index for r in batch)
    assert order == list(range(10))


def test_a_lone_request_waits_the_max_delay_then_goes_alone():
    batcher = DynamicBatcher(max_batch_size=8, max_batch_delay_ms=30)
    _submit(batcher, 1)
    begin = time.perf_counter()
    batch = batcher.next_batch()
    waited_ms = (time.perf_counter() - begin) * 1000
    assert [r.index for r in batch] == [0]
    assert 25 <= waited_ms < 500


def test_a_request_arriving_within_the_delay_joins_the_batch():
    batcher = DynamicBatcher(max_batch_size=2, max_batch_delay_ms=2000)
    _submit(batcher, 1)
    later = threading.Timer(0.02, _submit, args=(batcher, 1, 1))
    later.start()
    begin = time.perf_counter()
    batch = batcher.next_batch()
    later.join()
    # Full at 2 requests: dispatched on the second arrival, long before the 2 s delay.
    assert [r.index for r in batch] == [0, 1]
    assert time.perf_counter() - begin < 1.0


def test_zero_delay_takes_only_what_is_already_queued():
    batcher = DynamicBatcher(max_batch_size=8, max_batch_delay_ms=0)
    _submit(batcher, 3)
    assert len(batcher.next_batch()) == 3


def test_an_overdue_oldest_request_is_dispatched_without_waiting():
    batcher = DynamicBatcher(max_batch_size=8, max_batch_delay_ms=20)
    _submit(batcher, 5)
    time.sleep(0.03)  # the worker was busy for longer than the delay
    begin = time.perf_counter()
    assert len(batcher.next_batch()) == 5
    assert time.perf_counter() - begin < 0.015


@pytest.mark.parametrize(("size", "delay"), [(0, 1.0), (4, -1.0)])
def test_invalid_settings_are_rejected(size, delay):
    with pytest.raises(ValueError, match="max batch"):
        DynamicBatcher(size, delay)
