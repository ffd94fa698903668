"""`cebsim enterprise add` takes only codes of the documented forms; listing an unknown enterprise's
webhooks is an error, as listing its keys or certificates is."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from declarations.store.enterprises import EnterpriseRegistry
from declarations.store.migrate import open_store
from gateway.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cebsim.db'}"


def add(db: str, code: str) -> Result:
    return CliRunner().invoke(
        main, ["enterprise", "add", "--code", code, "--name", "某电商", "--role", "platform", "--db", db]
    )


@pytest.mark.parametrize(
    "code",
    ["", "12", "a b", "3301964j31", "33019640011", "３３０１９６４Ｊ３１", "91330106MA2GL1234I"],
    ids=["empty", "short", "space", "lower-case", "eleven", "full-width", "uscc-with-I"],
)
def test_a_code_of_neither_documented_form_is_refused(db: str, code: str) -> None:
    result = add(db, code)
    assert result.exit_code == 2
    assert f"Invalid value for '--code': {code!r} is not a 10-character customs code" in result.output
    assert EnterpriseRegistry(open_store(db)).all() == []


@pytest.mark.parametrize("code", ["3301960001", "3301964J31", "91330106MA2GL1234X"])
def test_a_customs_code_or_a_uscc_is_registered(db: str, code: str) -> None:
    result = add(db, code)
    assert result.exit_code == 0, result.output
    assert EnterpriseRegistry(open_store(db)).get(code) is not None


@pytest.mark.parametrize("listing", ["webhooks", "keys", "certs"])
def test_listing_for_an_unknown_enterprise_is_an_error(db: str, listing: str) -> None:
    result = CliRunner().invoke(main, ["enterprise", listing, "9999999999", "--db", db])
    assert result.exit_code == 1
    assert result.output == "Error: enterprise 9999999999 is not registered\n"
