"""`cebsim enterprise import DIR/parties.json`: register the parties `cebsim generate` made, with
their own API keys and certificates. Every row is checked before the first is written, so that a bad
row is one error line naming it and nothing is half-imported."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from declarations.errors import CebsimError, RequestError
from declarations.identity import Enterprise
from declarations.store.api_keys import MIN_GIVEN_KEY
from declarations.store.enterprises import EnterpriseRegistry, parse_roles
from gateway.enterprise_options import CODE_FORMAT, ENTERPRISE_CODE, db_option, now, registry


@click.command("import")
@click.argument("parties", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def import_parties(parties: Path, db: str) -> None:
    """Register the enterprises of a parties.json (`cebsim generate`) with their own keys and certificates.

    parties.json: {"parties": [{"code", "name", "roles", "dxp_id", "api_key", "certificate_pem"?}]}.
    Enterprises already registered are left as they are (their keys are not added again). Every row
    is checked before any is registered: a bad row is named and nothing is written.
    """
    store, added = registry(db), 0
    rows = [_checked_party(parties, number, row) for number, row in enumerate(_party_rows(parties), 1)]
    _check_certificate_owners(store, rows)
    for row in rows:
        if store.get(row.enterprise.code) is not None:
            click.echo(f"{row.enterprise.code} is already registered; left as it is")
            continue
        try:  # with its certificate in one transaction: a row fails whole, never half-registered
            if row.certificate is None:
                store.add(row.enterprise, now(), api_key=row.api_key)
            else:
                store.add_with_certificate(
                    row.enterprise, row.certificate, row.serial, now(), api_key=row.api_key
                )
        except CebsimError as exc:
            problem = f"{row.where}: {exc}; the {added} enterprises before it were registered"
            raise click.ClickException(problem) from exc
        added += 1
    click.echo(f"registered {added} of {len(rows)} enterprises from {parties}")


@dataclass(frozen=True, slots=True)
class _Party:
    """A parties.json row, checked: nothing in it can fail once writing starts."""

    where: str  # "FILE row N (CODE)", for errors
    enterprise: Enterprise
    api_key: str
    certificate: bytes | None  # DER
    serial: str


def _checked_party(path: Path, number: int, row: dict[str, Any]) -> _Party:
    """The row as it will be registered, or a one-line error naming it."""
    from gateway.signature.certificate import der_from_pem_or_der, read_certificate

    where = f"{path} row {number} ({row['code']})"
    try:
        _check_fields(row)
        new = Enterprise(row["code"], row["name"], parse_roles(row["roles"]), row["dxp_id"])
        pem = row.get("certificate_pem")
        der = der_from_pem_or_der(pem.encode()) if pem else None
        serial = read_certificate(der).serial_hex if der is not None else ""
    except CebsimError as exc:
        raise click.ClickException(f"{where}: {exc}; nothing was registered") from exc
    return _Party(where, new, row["api_key"], der, serial)


def _check_fields(row: dict[str, Any]) -> None:
    """What `EnterpriseRegistry.add` would refuse only after earlier rows were written."""
    wrong = [name for name in ("code", "name", "dxp_id", "api_key") if not isinstance(row[name], str)]
    if row.get("certificate_pem") is not None and not isinstance(row["certificate_pem"], str):
        wrong.append("certificate_pem")
    if wrong:
        raise RequestError(f"{', '.join(wrong)} must be a string")
    if not ENTERPRISE_CODE.fullmatch(row["code"]):
        raise RequestError(f"code is not {CODE_FORMAT}")
    roles = row["roles"]
    if not roles or not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise RequestError(f'roles must be a list of role names, like ["platform"], not {roles!r}')
    if len(row["api_key"]) < MIN_GIVEN_KEY:
        raise RequestError(f"api_key needs at least {MIN_GIVEN_KEY} characters")


def _check_certificate_owners(store: EnterpriseRegistry, rows: list[_Party]) -> None:
    """Refuse a certificate registered to, or listed for, another enterprise before writing anything,
    so that no enterprise is registered without its certificate."""
    owners: dict[str, str] = {}
    for row in rows:
        if row.certificate is None:
            continue
        fingerprint = hashlib.sha256(row.certificate).hexdigest()
        owner = owners.setdefault(fingerprint, store.certificate_owner(fingerprint) or row.enterprise.code)
        if owner != row.enterprise.code:
            raise click.ClickException(
                f"{row.where}: its certificate is registered to {owner}; nothing was registered"
            )


def _party_rows(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise click.ClickException(f"{path} is not JSON: {exc}") from exc
    rows = data.get("parties") if isinstance(data, dict) else None
    wanted = {"code", "name", "roles", "dxp_id", "api_key"}
    if not isinstance(rows, list) or not all(isinstance(row, dict) and wanted <= set(row) for row in rows):
        raise click.ClickException(
            f"{path} is not a parties.json: 'parties' rows need {', '.join(sorted(wanted))}"
        )
    return rows
