"""docs/protocol.md is generated from the wire models and must match them."""

from __future__ import annotations

from envbridge.spec import messages
from envbridge.spec.modes import Mode
from envbridge.spec.protocol_doc import render
from envbridge.spec.schema import openapi_document, protocol_json_schema

from tests.helpers import ROOT


def test_protocol_doc_is_up_to_date():
    committed = (ROOT / "docs" / "protocol.md").read_text()
    assert committed == render(), (
        "docs/protocol.md is stale: run `.venv/bin/python -m envbridge.spec.protocol_doc "
        "> docs/protocol.md`"
    )


def test_every_wire_model_is_documented():
    text = render()
    for model in messages.ALL_MODELS:
        assert f"### {model.__name__}" in text


def test_json_schema_defines_every_model():
    defs = protocol_json_schema()["$defs"]
    assert {model.__name__ for model in messages.ALL_MODELS} <= set(defs)


def test_openapi_references_resolve():
    doc = openapi_document(Mode.SIMULATION, "t", "1.0.0")
    schemas = doc["components"]["schemas"]
    for operations in doc["paths"].values():
        for operation in operations.values():
            ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[-1] in schemas
