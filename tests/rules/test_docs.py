"""The generated reference tables in docs/ are in step with the rule tables."""

import re
from pathlib import Path

import pytest

from pht.rules import reference

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(reference.GENERATED))
def test_generated_block_is_up_to_date(name: str) -> None:
    path, _function = reference.GENERATED[name]
    text = (ROOT / path).read_text(encoding="utf-8")
    match = re.search(rf"<!-- generated:{name} -->\n(.*?)<!-- /generated:{name} -->", text, re.S)
    assert match, f"{path} has no generated:{name} block"
    assert match.group(1) == reference.generated(name).rstrip("\n") + "\n", (
        f"{path} ({name}) is out of date: run `make docs`"
    )
