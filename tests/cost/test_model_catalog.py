"""The model catalog (perfcore/models.py, data/models.yaml): one id per model, names checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from cost_site import Site

from perfcore.models import (
    ModelCatalog,
    check_data_models,
    load_model_catalog,
    model_tables,
    parse_model_catalog,
)
from perfcore.yamlfile import YamlError

REPO = Path(__file__).resolve().parents[2]
CATALOG = """\
schema_version: 1
models:
  resnet50:
    name: ResNet-50
    family: ResNet
    params: 25.6M
    aliases: [Resnet-50]
    source: one network
  bert-base-uncased:
    {name: bert-base-uncased, family: BERT, aliases: ["BERT base (bert-base-uncased)"],
     source: the page names it}
  bert-base-cased-finetuned-mrpc: {name: bert-base-cased-finetuned-mrpc, family: BERT}
ambiguous:
  BERT base: {column: Model details, why: two checkpoints share the name}
"""


def test_names_resolve_to_one_id_case_insensitively_and_ambiguous_by_column() -> None:
    catalog = parse_model_catalog(CATALOG, "models.yaml")
    assert catalog.id_of("Resnet-50") == catalog.id_of("RESNET50") == "resnet50"
    assert catalog.display_name("resnet50") == "ResNet-50"
    assert catalog.id_of("BERT base", {"Model details": "fp32, bert-base-uncased, seq=128"}) \
        == "bert-base-uncased"
    assert catalog.id_of("BERT base", {"Model details": "bert-base-cased-finetuned-mrpc"}) \
        == "bert-base-cased-finetuned-mrpc"
    assert catalog.resolve("BERT base", {"Model details": "fp32"}) is None
    assert catalog.resolve("vgg16") is None
    assert catalog.id_of("vgg16") == "vgg16"  # unknown: the name as written (and a warning)
    assert ModelCatalog.none().id_of("anything") == "anything"


@pytest.mark.parametrize(("change", "message"), [
    (("    aliases: [Resnet-50]\n    source: one network\n", "    aliases: [Resnet-50]\n"),
     "models.yaml:7: resnet50: aliases need a source (why these names are this model)"),
    (("family: BERT}\nambiguous", "family: BERT, aliases: [Resnet-50], source: x}\nambiguous"),
     "models.yaml:12: bert-base-cased-finetuned-mrpc: name 'Resnet-50' is already a name of "
     "resnet50 (line 3)"),
    (("  resnet50:\n    name: ResNet-50\n", "  resnet50:\n"),
     "models.yaml:3: resnet50: name is missing"),
    (("    params: 25.6M\n", "    size: 25.6M\n"),
     "models.yaml:6: resnet50: unknown key 'size' (expected name, family, params, aliases, "
     "source)"),
    (("  BERT base:", "  bert-base-uncased:"),
     "models.yaml:14: ambiguous: 'bert-base-uncased' is also the name of bert-base-uncased"),
])
def test_catalog_mistakes_are_located_errors(change: tuple[str, str], message: str) -> None:
    with pytest.raises(YamlError) as caught:
        parse_model_catalog(CATALOG.replace(*change), "models.yaml")
    assert str(caught.value) == message


def test_every_name_in_the_repository_data_resolves() -> None:
    """The catalog covers data/<platform>, the sweeps and every release: no silent model."""
    catalog = load_model_catalog(REPO / "data" / "models.yaml")
    assert check_data_models(catalog, REPO / "data") == []
    tables = model_tables(REPO / "data")
    assert any("releases" in path.parts for path in tables)
    assert any(path.name.startswith("sweep_") for path in tables)
    assert not any(path.parts[len(REPO.parts) + 1] == "raw" for path in tables)


def test_merged_names_are_the_models_the_issue_names() -> None:
    catalog = load_model_catalog(REPO / "data" / "models.yaml")
    assert catalog.id_of("Resnet-50") == catalog.id_of("resnet50") == "resnet50"
    assert catalog.id_of("BERT base (bert-base-uncased)") == "bert-base-uncased"
    details = {"Model details": "fp32, bert-base-uncased, sequence-length=128"}
    assert catalog.id_of("BERT base", details) == "bert-base-uncased"
    # kept apart: other checkpoints, and the seeds that do not say which checkpoint
    assert catalog.id_of("BERT base (bert-base-cased)") == "bert-base-cased"
    assert catalog.id_of("bert-base") == "bert-base-unstated"
    assert catalog.id_of("Stable Diffusion XL") == catalog.id_of("Stable Diffusion XL Base")
    assert catalog.id_of("Stable Diffusion XL Base & Refiner") != catalog.id_of(
        "Stable Diffusion XL Base")
    merged = {entry.id for entry in catalog.entries.values() if entry.aliases}
    assert all(catalog.entries[model_id].source for model_id in merged)


def test_an_unknown_name_is_a_located_build_warning(site: Site) -> None:
    site.write("data/models.yaml", "schema_version: 1\nmodels:\n"
               "  bert-base: {name: bert-base, family: BERT}\n"
               "  gpt2-encoder: {name: gpt2-encoder, family: GPT-2}\n")
    site.build()
    assert site.warning_lines() == [
        "data/trn1/throughput_data_encoder_decoder.csv:2: WARNING: Model 't5-small' is not in "
        "the model catalog data/models.yaml: add it as a model (id, name, family, params) or "
        "as an alias of the model it is [models.unknown]",
    ]
    site.write("data/models.yaml", "schema_version: 1\nmodels:\n  bert-base: {name: x}\n")
    site.build()
    assert ("data/models.yaml:3: WARNING: model catalog: bert-base: family is missing "
            "[models.catalog]") in site.warning_lines()
