import time

import pytest

from collect.backends.neuron import (
    NeuronBackend,
    neuron_present,
    positional_wrapper,
)
from collect.env.envinfo import instance_type, new_run_id
from collect.errors import BackendUnavailable
from collect.models import SyntheticModel, example_inputs, known_names, registry, resolve
from perfcore.errors import UserError

REQUIRED = ("bert-base-uncased", "bert-large-uncased", "distilbert-base-uncased",
            "roberta-base", "gpt2", "t5-small", "resnet50", "all-MiniLM-L6-v2")


def test_registry_has_the_required_models_without_building_them():
    specs = registry()
    assert set(REQUIRED) <= set(specs)
    assert specs["resnet50"].family == "vision"
    assert specs["t5-small"].family == "encoder_decoder"
    assert specs["gpt2"].family == "decoder"


def test_unknown_model_lists_known_ones():
    with pytest.raises(UserError) as error:
        resolve("bert-huge")
    known = ", ".join(known_names())
    assert str(error.value) == f"unknown model 'bert-huge'; known models: {known}"


def test_synthetic_forms():
    assert resolve("synthetic:1.0").synthetic == SyntheticModel(1.0, 0.0)
    assert resolve("synthetic:1.0+0.1").synthetic == SyntheticModel(1.0, 0.1)
    assert resolve("synthetic:2").synthetic.batch_seconds(4) == pytest.approx(0.002)
    assert resolve("synthetic:1.0+0.5").synthetic.batch_seconds(4) == pytest.approx(0.003)
    with pytest.raises(UserError, match="unknown model 'synthetic:fast'"):
        resolve("synthetic:fast")


def test_synthetic_busy_wait_is_close_to_its_time():
    model = SyntheticModel(2.0, 0.5)
    began = time.perf_counter()
    model.run(2)
    elapsed = time.perf_counter() - began
    assert 0.003 <= elapsed < 0.030  # a loaded CI machine may add scheduling delay


def test_sequence_length_limits():
    resolve("gpt2").check_sequence_length(1024)
    with pytest.raises(UserError, match="bert-base-uncased accepts at most 512 tokens"):
        resolve("bert-base-uncased").check_sequence_length(513)
    resolve("resnet50").check_sequence_length(4096)  # vision models ignore it


def test_example_inputs_shapes():
    text = example_inputs(resolve("bert-base-uncased"), 2, 16)
    assert text["input_ids"].shape == (2, 16)
    assert int(text["input_ids"].max()) < 30522
    assert "decoder_input_ids" in example_inputs(resolve("t5-small"), 1, 8)
    assert example_inputs(resolve("resnet50"), 1, None)["pixel_values"].shape == (1, 3, 224, 224)


def test_tiny_real_bert_through_the_neuron_positional_wrapper():
    from transformers import BertConfig, BertModel

    module = BertModel(BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=64)).eval()
    inputs = example_inputs(resolve("bert-base-uncased"), 2, 8)
    wrapped = positional_wrapper(module, list(inputs))
    output = wrapped(*inputs.values())
    assert output.shape == (2, 8, 32)


def test_neuron_backend_says_why_it_is_unavailable():
    present, why = neuron_present()
    assert not present and why == "torch_neuronx is not installed"
    with pytest.raises(BackendUnavailable, match=r"^backend neuron is not available: "
                       r"torch_neuronx is not installed$"):
        NeuronBackend().check_available()


def test_instance_type_from_dmi(tmp_path):
    dmi = tmp_path / "product_name"
    dmi.write_text("inf2.xlarge\n")
    assert instance_type(None, dmi) == "inf2.xlarge"
    dmi.write_text("Standard PC (Q35 + ICH9, 2009)\n")
    assert instance_type(None, dmi) == "unknown"
    assert instance_type(None, tmp_path / "missing") == "unknown"
    assert instance_type("trn1.2xlarge", dmi) == "trn1.2xlarge"


def test_run_ids_sort_by_time():
    from datetime import UTC, datetime

    early = new_run_id(datetime(2026, 1, 1, tzinfo=UTC))
    late = new_run_id(datetime(2026, 11, 1, tzinfo=UTC))
    assert early < late and early.startswith("20260101T000000Z-")


def test_detected_backend_here_is_cpu():
    from collect.backends import detect_backend, get_backend

    assert detect_backend() == "cpu"
    assert get_backend("cpu").name == "cpu"
    with pytest.raises(UserError, match=r"^unknown backend 'tpu'; choose one of cpu, cuda"):
        get_backend("tpu")


def test_make_infer_runs_any_batch_size():
    from collect.backends.cpu import CpuBackend
    from collect.openloop.infer import make_infer

    infer = make_infer(CpuBackend(), resolve("synthetic:1.0+0.5"), None, "fp32")
    began = time.perf_counter()
    infer(4)
    infer(1)
    assert time.perf_counter() - began >= 0.0045  # (1 + 0.5 x 4) + (1 + 0.5 x 1) ms
