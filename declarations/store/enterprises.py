"""The enterprise registry: who is registered, with which roles, keys, certificates and webhooks.

This module holds the registry's API (`EnterpriseRegistry`), the enterprises' rows and the
registry's generation. What an enterprise has is stored by a module each, whose records, rules and
queries the registry runs in its transactions (locking the enterprise's row where a limit must
hold): `declarations.store.api_keys`, `declarations.store.certificates`, `declarations.store.webhooks`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa

from declarations.errors import RequestError, StoreUnavailableError
from declarations.identity import Enterprise, Role
from declarations.store.api_keys import (
    MAX_KEYS,
    MIN_GIVEN_KEY,
    ApiKeyInfo,
    check_key_limit,
    hash_key,
    insert_key,
    keys_of,
)
from declarations.store.certificates import (
    CertificateInfo,
    certificates_of,
    delete_certificate,
    every_certificate,
    insert_certificate,
    owner_of,
)
from declarations.store.counters import lock_counter, set_counter
from declarations.store.engine import READ_ONLY
from declarations.store.tables import api_keys, counters, enterprises, webhooks
from declarations.store.webhooks import Webhook, check_url, insert_webhook, live_webhooks

T = TypeVar("T")

GENERATION = "registry:generation"  # the counter `generation()` reads


class EnterpriseRegistry:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def add(self, enterprise: Enterprise, now: datetime, api_key: str | None = None) -> str:
        """Register an enterprise and return its first API key (the only time it is shown).

        `api_key` registers a key chosen by the caller (`cebsim enterprise import` of a generated
        parties.json) instead of a fresh random one; it must be at least 32 characters.
        """
        _check_new(enterprise, api_key)

        def register() -> str:
            with self._engine.begin() as conn:
                return self._insert_enterprise(conn, enterprise, now, api_key)

        try:
            return _once_more_if_raced(register)
        except sa.exc.OperationalError as exc:
            raise StoreUnavailableError(f"cannot register the enterprise: {exc.orig}") from exc

    def add_with_certificate(
        self, enterprise: Enterprise, der: bytes, serial: str, now: datetime, *, api_key: str | None = None
    ) -> tuple[str, str]:
        """`add` and `add_certificate` in one transaction: the enterprise, its first API key and its
        signing certificate are registered together or not at all. A failure in between (the
        database, or a certificate another enterprise registered meanwhile) would otherwise leave the
        enterprise without it, and `cebsim enterprise import` run again skips it as registered.
        Returns the API key and the certificate's SHA-256; refuses what `add` and `add_certificate`
        refuse. One generation bump, as `add` (a new certificate needs none)."""
        _check_new(enterprise, api_key)

        def register() -> tuple[str, str]:
            with self._engine.begin() as conn:
                given = self._insert_enterprise(conn, enterprise, now, api_key)
                return given, insert_certificate(conn, enterprise.code, der, serial, now)

        try:
            return _once_more_if_raced(register)
        except sa.exc.OperationalError as exc:
            raise StoreUnavailableError(f"cannot register the enterprise: {exc.orig}") from exc

    def new_key(self, code: str, now: datetime) -> str:
        with self._engine.begin() as conn:
            self._require(conn, code)
            return self._insert_key(conn, code, now)[1]

    def issue_key(self, code: str, now: datetime, *, limit: int = MAX_KEYS) -> tuple[ApiKeyInfo, str]:
        """A new API key for `code` (its listing entry, and the key, to be shown once);
        ConflictError `key-limit` when `code` already has `limit` live keys."""
        with self._engine.begin() as conn:
            self._require(conn, code, lock=True)  # two issues at once take turns: the limit holds
            check_key_limit(conn, code, limit)
            return self._insert_key(conn, code, now)

    def keys(self, code: str) -> list[ApiKeyInfo]:
        """Every API key `code` was given, revoked ones included, oldest first."""
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            self._require(conn, code)
            return keys_of(conn, code)

    def revoke_key(self, code: str, key_id: int, now: datetime) -> bool:
        """Revoke `code`'s key `key_id` (kept, with `revoked_at`); False if it is not a live key of
        `code`. Running gateways see the registry's generation change within a second or so."""
        return self._stamp(api_keys.c.revoked_at, code, key_id, now, changes_identity=True)

    def by_api_key(self, api_key: str) -> Enterprise | None:
        query = (
            sa.select(enterprises)
            .join(api_keys, api_keys.c.enterprise_code == enterprises.c.code)
            .where(api_keys.c.key_hash == hash_key(api_key), api_keys.c.revoked_at.is_(None))
        )
        try:
            with self._engine.connect().execution_options(**READ_ONLY) as conn:
                row = conn.execute(query).first()
        except sa.exc.SQLAlchemyError as exc:
            raise StoreUnavailableError(f"cannot read the enterprise registry: {type(exc).__name__}") from exc
        return _enterprise(row) if row else None

    def get(self, code: str) -> Enterprise | None:
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            row = conn.execute(sa.select(enterprises).where(enterprises.c.code == code)).first()
        return _enterprise(row) if row else None

    def all(self) -> list[Enterprise]:
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            rows = conn.execute(sa.select(enterprises).order_by(enterprises.c.code)).all()
        return [_enterprise(row) for row in rows]

    def add_certificate(
        self, code: str, der: bytes, serial: str, now: datetime, *, limit: int | None = None
    ) -> str:
        """Register a signing certificate (again: nothing changes); returns its SHA-256 fingerprint.

        ConflictError `certificate-owner` if another enterprise registered it (naming it); with
        `limit`, ConflictError `certificate-limit` when `code` already has that many.
        """

        def register() -> str:
            with self._engine.begin() as conn:
                self._require(conn, code, lock=limit is not None)  # registrations take turns: the limit holds
                return insert_certificate(conn, code, der, serial, now, limit=limit)

        return _once_more_if_raced(register)

    def certificates(self, code: str) -> list[CertificateInfo]:
        """`code`'s signing certificates, oldest first."""
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            self._require(conn, code)
            return certificates_of(conn, code)

    def all_certificates(self) -> list[tuple[str, CertificateInfo]]:
        """Every enterprise's signing certificates, as (enterprise code, certificate)."""
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            return every_certificate(conn)

    def remove_certificate(self, code: str, fingerprint: str) -> bool:
        """Forget `code`'s certificate (by its SHA-256): signatures made with it are refused as an
        unknown certificate from then on (running gateways see the registry's generation change
        within a second or so). False if `code` has none with this fingerprint."""
        with self._engine.begin() as conn:
            removed = delete_certificate(conn, code, fingerprint)
            if removed:
                _changed(conn)
        return removed

    def certificate_owner(self, fingerprint: str) -> str | None:
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            return owner_of(conn, fingerprint)

    def add_webhook(self, code: str, url: str, now: datetime) -> Webhook:
        """Register `url` for `code`'s receipts, with a new HMAC secret (returned once).

        Refused: a URL that is not http(s) with a host, or carries credentials (RequestError
        `webhook-url`); a URL already live for `code` (ConflictError `webhook-exists`: remove it to
        get a new secret); more than MAX_WEBHOOKS live ones (ConflictError `webhook-limit`).
        """
        check_url(url)
        with self._engine.begin() as conn:
            self._require(conn, code, lock=True)  # registrations take turns: the limit holds
            return insert_webhook(conn, code, url, now)

    def webhooks(self, code: str) -> list[Webhook]:
        """`code`'s live webhooks, oldest first."""
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            return live_webhooks(conn, code)

    def remove_webhook(self, code: str, webhook_id: int, now: datetime) -> bool:
        """Stop `code`'s webhook `webhook_id` (kept, with `removed_at`, for the delivery log): it
        gets no new deliveries and no more attempts. False if it is not `code`'s live webhook."""
        return self._stamp(webhooks.c.removed_at, code, webhook_id, now)

    def generation(self) -> int:
        """A number that grows whenever an API key is issued or revoked or a certificate removed:
        what a gateway remembers from the registry is stale once it changes (gateway.recent). A new
        certificate needs no bump: owners are looked up again until found."""
        query = sa.select(counters.c.value).where(counters.c.name == GENERATION)
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            return int(conn.execute(query).scalar() or 0)

    def _stamp(
        self,
        column: sa.Column[datetime],
        code: str,
        row_id: int,
        now: datetime,
        *,
        changes_identity: bool = False,
    ) -> bool:
        """Set `column` (revoked_at, removed_at) of `code`'s row `row_id` where it is still empty."""
        table = column.table
        with self._engine.begin() as conn:
            stamped = conn.execute(
                table.update()
                .where(table.c.id == row_id, table.c.enterprise_code == code, column.is_(None))
                .values({column.name: now})
            ).rowcount
            if stamped and changes_identity:
                _changed(conn)
        return bool(stamped)

    def _insert_enterprise(
        self, conn: sa.Connection, enterprise: Enterprise, now: datetime, api_key: str | None
    ) -> str:
        """Store `enterprise` with its first API key (`api_key`, or a new one); returns the key."""
        if conn.execute(sa.select(enterprises.c.code).where(enterprises.c.code == enterprise.code)).first():
            raise RequestError(
                f"enterprise {enterprise.code} is already registered", rule="enterprise-unique"
            )
        conn.execute(
            enterprises.insert().values(
                code=enterprise.code,
                name=enterprise.name,
                dxp_id=enterprise.dxp_id,
                roles=" ".join(sorted(role.value for role in enterprise.roles)),
                created_at=now,
            )
        )
        return self._insert_key(conn, enterprise.code, now, api_key)[1]

    def _insert_key(
        self, conn: sa.Connection, code: str, now: datetime, given: str | None = None
    ) -> tuple[ApiKeyInfo, str]:
        """`insert_key`, counted in the generation."""
        _changed(conn)  # a gateway that remembers this key as unknown looks again
        return insert_key(conn, code, now, given)

    @staticmethod
    def _require(conn: sa.Connection, code: str, *, lock: bool = False) -> None:
        """The enterprise exists; `lock`: its row stays locked until commit (PostgreSQL), so that
        two of its transactions that count what it has (webhooks) take turns."""
        query = sa.select(enterprises.c.code).where(enterprises.c.code == code)
        if conn.execute(query.with_for_update() if lock else query).first() is None:
            raise RequestError(f"enterprise {code} is not registered", rule="enterprise-unknown")


def _once_more_if_raced(register: Callable[[], T]) -> T:
    """`register()`, and once more if a concurrent transaction inserted the same enterprise code or
    certificate between its check and its insert (a unique violation): the second run sees that
    row and answers as if it had come second (the same answer, or the ConflictError / RequestError
    naming the rule), not with the database's error."""
    try:
        return register()
    except sa.exc.IntegrityError:
        return register()


def _check_new(enterprise: Enterprise, api_key: str | None) -> None:
    """What `add` and `add_with_certificate` refuse before they open a transaction."""
    if api_key is not None and len(api_key) < MIN_GIVEN_KEY:
        raise RequestError("a given API key needs at least 32 characters", rule="enterprise-key")
    if not enterprise.roles:
        raise RequestError("an enterprise needs at least one role", rule="enterprise-roles")


def _changed(conn: sa.Connection) -> None:
    """Count a change gateways must not keep answering from memory (in the caller's transaction,
    so a gateway that sees the new generation also sees the change)."""
    set_counter(conn, GENERATION, lock_counter(conn, GENERATION) + 1)


def _enterprise(row: sa.Row[tuple[object, ...]] | sa.RowMapping) -> Enterprise:
    mapping = row._mapping if isinstance(row, sa.Row) else row
    return Enterprise(
        code=str(mapping["code"]),
        name=str(mapping["name"]),
        dxp_id=str(mapping["dxp_id"]),
        roles=parse_roles(str(mapping["roles"]).split()),
    )


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    try:
        return frozenset(Role(value) for value in values)
    except ValueError as exc:
        known = ", ".join(role.value for role in Role)
        raise RequestError(f"unknown role ({exc}); roles are: {known}", rule="enterprise-roles") from exc
