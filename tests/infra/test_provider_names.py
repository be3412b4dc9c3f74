"""Every resource, data source, argument and block name in infra/*.tf exists in the providers.

`terraform validate` needs the provider registry, which is out of reach here. npm's
@cdktf/provider-google (generated from hashicorp/google 6.x) and @cdktf/provider-archive
carry each resource's schema as generated code: `synthesizeHclAttributes()` lists a
resource's arguments and blocks, one `…ToHclTerraform(struct)` function per nested block.
They are installed into tests/infra/node_modules by `make providers` (npm ci; `make test` runs
it too; package-lock.json pins them): without them these tests fail saying so.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import pytest

from .test_terraform import INFRA, load, parse

PROVIDERS = Path(__file__).resolve().parent / "node_modules" / "@cdktf"
META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner",
        "connection"}

_FIELD = re.compile(r"^ {8,12}(\w+): \{\s*value: (.*?),\s*isBlock: (true|false)", re.M | re.S)
_NESTED = re.compile(r"(?<![.\w])(\w+)ToHclTerraform\b")
_STRUCT = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{(.*?)^\}", re.M | re.S)
_RESOURCE = re.compile(r"terraformResourceType: '([\w-]+)'")
_SYNTH = re.compile(r"synthesizeHclAttributes\(\) \{(.*?)^    \}", re.M | re.S)

Fields = dict[str, tuple[bool, "str | None"]]  # name -> (is a block, its struct function)


class Schema:
    """One provider package: resources and data sources, and the structs of their blocks."""

    def __init__(self, package: Path) -> None:
        self.resources: dict[str, tuple[Path, Fields]] = {}
        self.data: dict[str, tuple[Path, Fields]] = {}
        self.provider: Fields = {}
        for index in sorted(package.glob("lib/*/index.js")):
            text = index.read_text()
            match, synth = _RESOURCE.search(text), _SYNTH.search(text)
            if not match or not synth:
                continue
            fields = _fields(synth.group(1))
            kind = index.parent.name
            if kind == "provider":
                self.provider = fields
            elif kind.startswith("data-"):
                self.data[match.group(1)] = (index, fields)
            else:
                self.resources[match.group(1)] = (index, fields)

    @staticmethod
    @lru_cache(maxsize=None)
    def structs(index: Path) -> dict[str, Fields]:
        return {m.group(1): _fields(m.group(2)) for m in _STRUCT.finditer(index.read_text())}


def _fields(body: str) -> Fields:
    fields: Fields = {}
    for name, value, is_block in _FIELD.findall(body):
        nested = _NESTED.search(value)
        fields[name] = (is_block == "true", nested.group(1) if nested else None)
    return fields


@lru_cache(maxsize=1)
def schemas() -> dict[str, Schema]:
    missing = [p for p in ("provider-google", "provider-archive")
               if not (PROVIDERS / p / "package.json").exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed in {PROVIDERS.parent}: run `make "
                    "providers` (npm ci in tests/infra; `make test` does it too)", pytrace=False)
    return {"google": Schema(PROVIDERS / "provider-google"),
            "archive": Schema(PROVIDERS / "provider-archive")}


def _schema_for(type_: str) -> Schema:
    return schemas()[type_.split("_", 1)[0]]


def problems_with_names(documents: list[dict]) -> list[str]:
    problems = []
    for document in documents:
        for kind in ("resource", "data"):
            for entry in document.get(kind, []):
                for type_, named in entry.items():
                    schema = schemas().get(type_.split("_", 1)[0])
                    found = schema and (schema.resources if kind == "resource"
                                        else schema.data).get(type_)
                    if not found:
                        problems.append(f"{kind} {type_}: no such type in the provider")
                        continue
                    index, fields = found
                    for name, body in named.items():
                        problems += _check(f"{type_}.{name}", body, fields, index, META)
        for entry in document.get("provider", []):
            for provider, body in entry.items():
                problems += _check(f"provider {provider}", body,
                                   schemas()[provider].provider, None, {"alias"})
    return problems


def _check(where: str, body: Any, fields: Fields, index: Path | None,
           allowed: set[str] = frozenset()) -> Iterator[str]:
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if key in allowed or key.startswith("__"):
            continue
        if key == "dynamic":
            for entry in value:
                for name, spec in entry.items():
                    yield from _block(f"{where}.dynamic.{name}", name,
                                      [c for c in spec.get("content", [])], fields, index)
            continue
        if key not in fields:
            yield f"{where}: no argument or block {key!r}"
            continue
        is_block, _ = fields[key]
        if is_block:
            if not isinstance(value, list):
                yield f"{where}: {key!r} is a block, written as an argument"
                continue
            yield from _block(f"{where}.{key}", key, value, fields, index)


def _block(where: str, name: str, bodies: list, fields: Fields, index: Path | None
           ) -> Iterator[str]:
    if name not in fields or not fields[name][0]:
        yield f"{where}: no block {name!r}"
        return
    struct = fields[name][1]
    nested = Schema.structs(index).get(struct, {}) if index and struct else {}
    for body in bodies:
        yield from _check(where, body, nested, index)


def documents() -> list[dict]:
    return [parse(path.read_text()) for path in sorted(INFRA.glob("*.tf"))]


def test_every_name_in_infra_exists_in_the_providers():
    assert problems_with_names(documents()) == []


def test_the_schema_knows_the_resources_infra_uses():
    google = schemas()["google"]
    _, function = google.resources["google_cloudfunctions2_function"]
    assert function["build_config"][0] and function["service_config"][0]
    assert not function["labels"][0]  # an argument, not a block
    assert "archive_file" in schemas()["archive"].data
    assert len(google.resources) > 1000


@pytest.mark.parametrize("hcl, expected", [
    ('resource "google_pubsub_topic" "t" {\n  nmae = "x"\n}', "no argument or block 'nmae'"),
    ('resource "google_pubsub_topc" "t" {\n  name = "x"\n}', "no such type"),
    ('resource "google_cloudfunctions2_function" "f" {\n  name = "x"\n'
     '  service_config {\n    memory = "1Gi"\n  }\n}', "no argument or block 'memory'"),
    ('resource "google_cloudfunctions2_function" "f" {\n  name = "x"\n'
     '  service_config = {\n    available_memory = "1Gi"\n  }\n}', "is a block"),
    ('resource "google_firestore_field" "f" {\n  field = "x"\n'
     '  dynamic "ttl_configs" {\n    for_each = [1]\n    content {}\n  }\n}', "no block"),
    ('data "archive_file" "a" {\n  type = "zip"\n  exclude = []\n}', "'exclude'"),
    ('provider "google" {\n  projet = "p"\n}', "'projet'"),
])
def test_a_misspelt_name_is_caught(hcl, expected):
    problems = problems_with_names([parse(hcl)])
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_real_configuration_is_what_is_checked():
    assert load().of_type("google_cloudfunctions2_function")  # the same files, parsed
