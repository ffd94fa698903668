"""`cebsim enterprise ...`: register enterprises, their roles, API keys, certificates and webhooks.

cebsim enterprise add --code 3301960001 --name 杭州某电商 --role ecommerce --role platform --json
cebsim enterprise list [--json]
cebsim enterprise key CODE                 # a new API key (shown once)
cebsim enterprise keys CODE [--json]       # its keys: id, first characters, created, revoked
cebsim enterprise key-revoke CODE ID       # a key stops working (running gateways: within a second or so)
cebsim enterprise cert CODE CERT.pem       # register a signing certificate (PEM or DER)
cebsim enterprise certs CODE [--json]      # its certificates: SHA-256, serial, algorithm, expiry, registered
cebsim enterprise cert-remove CODE SHA256  # signatures by it are refused (within a second or so)
cebsim enterprise webhook CODE URL         # register a receipt webhook; prints its HMAC secret
cebsim enterprise webhooks CODE [--json]   # its live webhooks (no secrets)
cebsim enterprise webhook-remove CODE ID   # stop one (pending deliveries are marked failed)
cebsim enterprise import DIR/parties.json   # register generated parties with their own keys and certificates
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from declarations.errors import CebsimError
from declarations.identity import Enterprise, Role
from declarations.store.enterprises import parse_roles
from gateway.enterprise_import_cli import import_parties
from gateway.enterprise_options import CODE_FORMAT, ENTERPRISE_CODE, db_option, now, registry, store


def fail(exc: CebsimError) -> None:
    raise click.ClickException(str(exc)) from exc


@click.group()
def enterprise() -> None:
    """Register enterprises, their roles, API keys, certificates and webhooks."""


enterprise.add_command(import_parties)  # its own module: the import checks every row before writing


@enterprise.command("add")
@click.option("--code", required=True, help="Customs registration code (10-char code or 18-char USCC).")
@click.option("--name", required=True, help="Registered name.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--dxp-id", default=None, help="DXP user id (default: DXPENT + the code's last 10 characters).")
@db_option
@click.option("--json", "as_json", is_flag=True, help='Print {"code": ..., "api_key": ...}.')
def add(code: str, name: str, roles: tuple[str, ...], dxp_id: str | None, db: str, as_json: bool) -> None:
    """Register an enterprise and print its API key (shown once; only its hash is stored)."""
    if not ENTERPRISE_CODE.fullmatch(code):  # here, not in a callback: a bad --role is named first
        raise click.BadParameter(f"{code!r} is not {CODE_FORMAT}", param_hint="'--code'")
    new = Enterprise(code, name, parse_roles(roles), dxp_id or f"DXPENT{code[-10:]}")
    try:
        api_key = registry(db).add(new, now())
    except CebsimError as exc:
        fail(exc)
        return
    if as_json:
        click.echo(json.dumps({"code": code, "dxp_id": new.dxp_id, "api_key": api_key}))
    else:
        click.echo(f"registered {code} ({name}) as {', '.join(sorted(roles))}; dxpId {new.dxp_id}")
        click.echo(f"API key (shown once): {api_key}")


@enterprise.command("list")
@db_option
@click.option("--json", "as_json", is_flag=True)
def list_enterprises(db: str, as_json: bool) -> None:
    """List the registered enterprises."""
    rows = [
        {"code": e.code, "name": e.name, "dxp_id": e.dxp_id, "roles": sorted(r.value for r in e.roles)}
        for e in registry(db).all()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['code']:<18}  {row['dxp_id']:<16}  {','.join(row['roles']):<24}  {row['name']}")


@enterprise.command("key")
@click.argument("code")
@db_option
@click.option("--json", "as_json", is_flag=True)
def key(code: str, db: str, as_json: bool) -> None:
    """Issue a new API key for an enterprise (shown once)."""
    try:
        api_key = registry(db).new_key(code, now())
    except CebsimError as exc:
        fail(exc)
        return
    click.echo(json.dumps({"code": code, "api_key": api_key}) if as_json else api_key)


@enterprise.command("keys")
@click.argument("code")
@db_option
@click.option("--json", "as_json", is_flag=True)
def keys(code: str, db: str, as_json: bool) -> None:
    """List an enterprise's API keys, revoked ones too (only their first characters are shown)."""
    try:
        found = registry(db).keys(code)
    except CebsimError as exc:
        fail(exc)
        return
    rows = [k.listed() for k in found]
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "live"
        click.echo(f"{row['id']}\t{row['prefix']}…\t{row['created_at']}\t{state}")


@enterprise.command("key-revoke")
@click.argument("code")
@click.argument("key_id", type=int)
@db_option
def key_revoke(code: str, key_id: int, db: str) -> None:
    """Revoke an API key (by its id in `keys`): requests with it are answered 401."""
    if not registry(db).revoke_key(code, key_id, now()):
        raise click.ClickException(f"{code} has no live API key {key_id} (cebsim enterprise keys {code})")
    click.echo(f"API key {key_id} of {code} revoked; running gateways refuse it within a second or so")


@enterprise.command("cert")
@click.argument("code")
@click.argument("certificate", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def cert(code: str, certificate: Path, db: str) -> None:
    """Register a signing certificate (PEM or DER X.509) for an enterprise."""
    from gateway.signature import SignatureError
    from gateway.signature.certificate import der_from_pem_or_der, read_certificate

    try:
        der = der_from_pem_or_der(certificate.read_bytes())
        serial = read_certificate(der).serial_hex
        fingerprint = registry(db).add_certificate(code, der, serial, now())
    except SignatureError as exc:
        raise click.ClickException(f"not a usable X.509 certificate: {exc}") from exc
    except CebsimError as exc:
        fail(exc)
        return
    click.echo(f"certificate {serial} registered for {code}; sha256 {fingerprint}")


@enterprise.command("certs")
@click.argument("code")
@db_option
@click.option("--json", "as_json", is_flag=True)
def certs(code: str, db: str, as_json: bool) -> None:
    """List an enterprise's signing certificates: SHA-256, serial, key algorithm, expiry, registered."""
    from gateway.signature.certificate import described

    try:
        found = registry(db).certificates(code)
    except CebsimError as exc:
        fail(exc)
        return
    rows = [
        {
            "sha256": c.fingerprint,
            "serial": c.serial,
            **(described(c.der) or {}),
            "created_at": c.created_at.isoformat(),
        }
        for c in found
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        fields = ("sha256", "serial", "algorithm", "not_after", "created_at")
        click.echo("\t".join(row.get(name, "?") for name in fields))


@enterprise.command("cert-remove")
@click.argument("code")
@click.argument("sha256")
@db_option
def cert_remove(code: str, sha256: str, db: str) -> None:
    """Remove a signing certificate (by its SHA-256 in `certs`): its signatures are refused."""
    if not registry(db).remove_certificate(code, sha256):
        raise click.ClickException(f"{code} has no certificate {sha256} (cebsim enterprise certs {code})")
    click.echo(f"certificate {sha256} of {code} removed; running gateways refuse it within a second or so")


@enterprise.command("webhook")
@click.argument("code")
@click.argument("url")
@db_option
@click.option("--json", "as_json", is_flag=True)
def webhook(code: str, url: str, db: str, as_json: bool) -> None:
    """Register a webhook URL that receives this enterprise's receipts, signed with HMAC-SHA256."""
    try:
        hook = registry(db).add_webhook(code, url, now())
    except CebsimError as exc:
        fail(exc)
        return
    if as_json:
        click.echo(json.dumps({"id": hook.id, "url": hook.url, "secret": hook.secret}))
    else:
        click.echo(f"webhook {hook.id} registered for {code}: {url}\nHMAC secret (shown once): {hook.secret}")


@enterprise.command("webhooks")
@click.argument("code")
@db_option
@click.option("--json", "as_json", is_flag=True)
def webhooks(code: str, db: str, as_json: bool) -> None:
    """List an enterprise's live webhooks (their secrets are not shown again)."""
    enterprises = registry(db)
    if enterprises.get(code) is None:  # as `keys` and `certs` say, not an empty list
        raise click.ClickException(f"enterprise {code} is not registered")
    hooks = enterprises.webhooks(code)
    if as_json:
        click.echo(json.dumps([{"id": h.id, "url": h.url} for h in hooks]))
        return
    for hook in hooks:
        click.echo(f"{hook.id}\t{hook.url}")


@enterprise.command("webhook-remove")
@click.argument("code")
@click.argument("webhook_id", type=int)
@db_option
def webhook_remove(code: str, webhook_id: int, db: str) -> None:
    """Stop a webhook: no new deliveries, and its pending ones are marked failed in the log."""
    from gateway.webhooks.deliveries import remove_webhook

    abandoned = remove_webhook(store(db), code, webhook_id, now())
    if abandoned is None:
        raise click.ClickException(f"{code} has no live webhook {webhook_id}")
    click.echo(f"webhook {webhook_id} of {code} removed; {abandoned} pending deliveries marked failed")
