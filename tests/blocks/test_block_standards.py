"""Every block Doorstroom saves: fields described, secrets typed SecretStr, no secret leaks.

What can go wrong with a block: a credential typed ``str`` (then the Prefect UI and API show
it, and it lands in logs), a field nobody can fill in from its form, or a secret that
reaches a repr, a dump or a log line. The blocks are those the registry derives from the
packages' descriptors, filled in by each package's sandbox (real values of every field).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from prefect.blocks.core import Block
from pydantic import SecretStr

from blocks.smtp import SmtpConnection
from connectors.registry import PACKAGES, block_types

SECRET_WORDS = ("secret", "token", "password", "key", "credential")


def _filled() -> list[Block]:
    blocks: list[Block] = [package.sandbox().connection("http://127.0.0.1:9")
                           for package in PACKAGES.values()]
    blocks.append(SmtpConnection(host="127.0.0.1", sender="a@b.c", username="u",
                                 password=SecretStr("smtp-pass-0123456789")))
    return blocks


def _secrets(block: Block) -> list[str]:
    values = []
    for name in type(block).model_fields:
        value = getattr(block, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            values.append(value.get_secret_value())
    return values


def _is_secret(annotation: Any) -> bool:
    return SecretStr in (annotation, *getattr(annotation, "__args__", ()))


@pytest.mark.parametrize("block", block_types(), ids=lambda b: b.__name__)
def test_given_a_block_then_every_field_is_described(block: type[Block]) -> None:
    for name, field in block.model_fields.items():
        assert field.description and len(field.description) > 5, \
            f"{block.__name__}.{name} has no description for its form"


@pytest.mark.parametrize("block", block_types(), ids=lambda b: b.__name__)
def test_given_a_block_then_credential_fields_are_secret_str(block: type[Block]) -> None:
    for name, field in block.model_fields.items():
        words = name.lower().split("_")
        if any(word.startswith(secret) for word in words for secret in SECRET_WORDS) \
                and not name.endswith("_at"):
            assert _is_secret(field.annotation), f"{block.__name__}.{name} must be SecretStr"


@pytest.mark.parametrize("block", block_types(), ids=lambda b: b.__name__)
def test_given_a_block_then_it_has_a_name_slug_and_description(block: type[Block]) -> None:
    assert block.get_block_type_name()
    assert block.get_block_type_slug()
    assert block.get_description()


def test_given_every_package_then_its_block_is_registered() -> None:
    assert {package.connection for package in PACKAGES.values()} <= set(block_types())
    assert len({block.get_block_type_slug() for block in block_types()}) == len(block_types())


@pytest.mark.parametrize("block", _filled(), ids=lambda b: type(b).__name__)
def test_given_a_filled_block_then_no_secret_reaches_a_repr_dump_or_log(
        block: Block, caplog: pytest.LogCaptureFixture) -> None:
    secrets = _secrets(block)
    assert secrets, f"{type(block).__name__} was filled without any secret"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("doorstroom.test").info("block: %s %r", block, block)
    shown = " ".join([repr(block), str(block), block.model_dump_json(),
                      str(block.model_dump()), caplog.text])
    for secret in secrets:
        assert secret not in shown
