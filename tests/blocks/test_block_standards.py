"""Every connection block: fields described, secrets typed as SecretStr, nothing leaks."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from blocks import ALL_BLOCKS

SECRET_WORDS = ("secret", "token", "password")


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.__name__)
def test_given_a_block_then_every_field_is_described(block: type) -> None:
    for name, field in block.model_fields.items():
        assert field.description, f"{block.__name__}.{name} has no description"


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.__name__)
def test_given_a_block_then_secret_fields_are_secret_str(block: type) -> None:
    for name, field in block.model_fields.items():
        if any(word in name for word in SECRET_WORDS) and not name.endswith("_at"):
            assert SecretStr in (field.annotation, *getattr(field.annotation, "__args__", ())), \
                f"{block.__name__}.{name} must be SecretStr"


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.__name__)
def test_given_a_block_then_it_has_a_name_slug_and_description(block: type) -> None:
    assert block.get_block_type_name()
    assert block.get_block_type_slug()
    assert block.get_description()
