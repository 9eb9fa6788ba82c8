"""Generation metrics on tiny random-weight gpt2 and t5 models (real torch, CPU)."""

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel, T5Config

from collect.generate.measure import (
    build_random_model,
    generate_once,
    generation_sweep,
    measure_generation,
    random_input_ids,
)

VOCAB = 512


def tiny_gpt2_config():
    return GPT2Config(n_layer=2, n_embd=64, n_head=2, vocab_size=VOCAB, n_positions=128,
                      bos_token_id=0, eos_token_id=1)


def tiny_t5_config():
    return T5Config(d_model=64, d_ff=128, d_kv=32, num_layers=2, num_decoder_layers=2,
                    num_heads=2, vocab_size=VOCAB)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One intra-op thread: the test machine's few cores are shared (OpenMP spin-waits)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def gpt2():
    torch.manual_seed(0)
    return build_random_model(tiny_gpt2_config())


@pytest.fixture(scope="module")
def t5():
    torch.manual_seed(0)
    return build_random_model(tiny_t5_config())


def test_manual_kv_cache_loop_matches_transformers_greedy_generate(gpt2):
    input_ids = random_input_ids(gpt2, 2, 12, seed=1)
    _, _, tokens = generate_once(gpt2, input_ids, 6)
    reference = gpt2.generate(input_ids, max_new_tokens=6, min_new_tokens=6, do_sample=False,
                              pad_token_id=0, eos_token_id=None)
    assert torch.equal(tokens, reference[:, 12:])


def test_encoder_decoder_loop_matches_transformers_greedy_generate(t5):
    input_ids = random_input_ids(t5, 2, 12, seed=1)
    _, _, tokens = generate_once(t5, input_ids, 5)
    reference = t5.generate(input_ids, max_new_tokens=5, min_new_tokens=5, do_sample=False,
                            decoder_start_token_id=0, eos_token_id=None)
    assert torch.equal(tokens, reference[:, 1:])


@pytest.mark.parametrize("model_name", ["gpt2", "t5"])
def test_generation_record_has_consistent_metrics(model_name, request):
    model = request.getfixturevalue(model_name)
    record = measure_generation(model, batch_size=2, input_length=16, output_length=8,
                                duration_s=0.05, min_iterations=3)
    assert record["status"] == "ok"
    assert record["mode"] == "generate"
    assert record["n_batches"] >= 3
    assert 0 < record["ttft_ms_p50"] <= record["e2e_ms_p50"]
    assert 0 < record["tpot_ms_p50"] <= record["tpot_ms_p99"]
    assert record["e2e_ms_p50"] <= record["e2e_ms_p90"] <= record["e2e_ms_p99"]
    assert record["latency_per_token_ms_p50"] == pytest.approx(record["e2e_ms_p50"] / 8, rel=1e-3)
    # Total tokens count input and output: ratio (16 + 8) / 8.
    ratio = record["total_tokens_per_s"] / record["output_tokens_per_s"]
    assert ratio == pytest.approx(3.0, rel=1e-4)
    expected = 2 * 8 * record["n_batches"] / record["duration_s"]
    assert record["output_tokens_per_s"] == pytest.approx(expected, rel=1e-3)


def test_too_long_a_sequence_for_the_model_is_rejected(gpt2):
    with pytest.raises(ValueError, match="exceeds the model's 128 positions"):
        measure_generation(gpt2, 1, input_length=120, output_length=16)


class OutOfMemoryAbove(GPT2LMHeadModel):
    """Tiny gpt2 that raises torch's OOM error for batches above a size (fault injection)."""

    limit = 2

    def forward(self, input_ids=None, **kwargs):
        if input_ids is not None and input_ids.shape[0] > self.limit:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return super().forward(input_ids=input_ids, **kwargs)


def test_sweep_records_oom_skips_larger_batches_and_goes_on():
    def load_model(dtype):
        if dtype == "fp16":
            raise RuntimeError("fp16 is not supported here")
        model = OutOfMemoryAbove(tiny_gpt2_config()).eval()
        return model.to(torch.bfloat16 if dtype == "bf16" else torch.float32)

    records = list(generation_sweep(load_model, [1, 2, 4, 8], ["fp32", "fp16", "bf16"],
                                    input_length=8, output_length=4, duration_s=0.0,
                                    min_iterations=1))
    cells = [(r["dtype"], r["batch_size"], r["status"]) for r in records]
    assert cells == [
        ("fp32", 1, "ok"), ("fp32", 2, "ok"), ("fp32", 4, "oom"), ("fp32", 8, "skipped"),
        ("fp16", 1, "failed"), ("fp16", 2, "failed"), ("fp16", 4, "failed"),
        ("fp16", 8, "failed"),
        ("bf16", 1, "ok"), ("bf16", 2, "ok"), ("bf16", 4, "oom"), ("bf16", 8, "skipped"),
    ]
    assert "out of memory" in records[2]["reason"]
    assert records[3]["reason"] == "batch size 4 ran out of memory"
    assert "fp16 is not supported" in records[4]["reason"]
    assert all(r["mode"] == "generate" and r["input_length"] == 8 for r in records)
