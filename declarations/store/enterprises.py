"""The enterprise registry: who is registered, with which roles, keys, certificates and webhooks.

API keys are shown once, at creation, and stored only as their SHA-256: a key is 32 random bytes,
so a fast hash is enough (no dictionary to guess from), and lookups stay one indexed read.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa

from declarations.errors import ConflictError, RequestError, StoreUnavailableError
from declarations.identity import Enterprise, Role
from declarations.store.counters import lock_counter, set_counter
from declarations.store.engine import READ_ONLY
from declarations.store.tables import api_keys, certificates, counters, enterprises, webhooks

T = TypeVar("T")

KEY_PREFIX = "cebsim_"
MIN_GIVEN_KEY = 32


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


MAX_WEBHOOKS = 10  # live webhooks per enterprise: each receipt is posted to every one of them
MAX_KEYS = 10  # live API keys an enterprise may issue itself (POST /api/keys): enough to rotate
MAX_CERTIFICATES = 10  # signing certificates an enterprise may register itself (POST /api/certificates)
MAX_URL = 500  # the column's size
GENERATION = "registry:generation"  # the counter `generation()` reads


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """A key as listings show it: never the key itself, only its first characters."""

    id: int
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    def listed(self) -> dict[str, object]:
        """The entry as GET /api/keys and `cebsim enterprise keys --json` show it."""
        return {
            "id": self.id,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    fingerprint: str  # SHA-256 of the DER, hex
    serial: str
    created_at: datetime
    der: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    enterprise_code: str
    url: str
    secret: str
    created_at: datetime | None = None


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
                return given, _insert_certificate(conn, enterprise.code, der, serial, now)

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
        live = sa.select(sa.func.count()).where(
            api_keys.c.enterprise_code == code, api_keys.c.revoked_at.is_(None)
        )
        with self._engine.begin() as conn:
            self._require(conn, code, lock=True)  # two issues at once take turns: the limit holds
            if conn.execute(live).scalar_one() >= limit:
                raise ConflictError(
                    f"you have {limit} live API keys; revoke one (DELETE /api/keys/{{id}}) first",
                    rule="key-limit",
                )
            return self._insert_key(conn, code, now)

    def keys(self, code: str) -> list[ApiKeyInfo]:
        """Every API key `code` was given, revoked ones included, oldest first."""
        query = sa.select(api_keys).where(api_keys.c.enterprise_code == code).order_by(api_keys.c.id)
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            self._require(conn, code)
            rows = conn.execute(query).all()
        return [ApiKeyInfo(row.id, row.prefix, row.created_at, row.revoked_at) for row in rows]

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
                return _insert_certificate(conn, code, der, serial, now, limit=limit)

        return _once_more_if_raced(register)

    def certificates(self, code: str) -> list[CertificateInfo]:
        """`code`'s signing certificates, oldest first."""
        query = (
            sa.select(
                certificates.c.fingerprint,
                certificates.c.serial,
                certificates.c.created_at,
                certificates.c.der,
            )
            .where(certificates.c.enterprise_code == code)
            .order_by(certificates.c.created_at, certificates.c.fingerprint)
        )
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            self._require(conn, code)
            rows = conn.execute(query).all()
        return [CertificateInfo(row.fingerprint, row.serial, row.created_at, row.der) for row in rows]

    def all_certificates(self) -> list[tuple[str, CertificateInfo]]:
        """Every enterprise's signing certificates, as (enterprise code, certificate)."""
        query = sa.select(certificates).order_by(certificates.c.enterprise_code, certificates.c.created_at)
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            rows = conn.execute(query).all()
        return [
            (row.enterprise_code, CertificateInfo(row.fingerprint, row.serial, row.created_at, row.der))
            for row in rows
        ]

    def remove_certificate(self, code: str, fingerprint: str) -> bool:
        """Forget `code`'s certificate (by its SHA-256): signatures made with it are refused as an
        unknown certificate from then on (running gateways see the registry's generation change
        within a second or so). False if `code` has none with this fingerprint."""
        with self._engine.begin() as conn:
            removed = conn.execute(
                certificates.delete().where(
                    certificates.c.fingerprint == fingerprint.lower(), certificates.c.enterprise_code == code
                )
            ).rowcount
            if removed:
                _changed(conn)
        return bool(removed)

    def certificate_owner(self, fingerprint: str) -> str | None:
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            owner = conn.execute(
                sa.select(certificates.c.enterprise_code).where(certificates.c.fingerprint == fingerprint)
            ).scalar()
        return str(owner) if owner is not None else None

    def add_webhook(self, code: str, url: str, now: datetime) -> Webhook:
        """Register `url` for `code`'s receipts, with a new HMAC secret (returned once).

        Refused: a URL that is not http(s) with a host, or carries credentials (RequestError
        `webhook-url`); a URL already live for `code` (ConflictError `webhook-exists`: remove it to
        get a new secret); more than MAX_WEBHOOKS live ones (ConflictError `webhook-limit`).
        """
        _check_url(url)
        secret = secrets.token_urlsafe(24)
        live = sa.and_(webhooks.c.enterprise_code == code, webhooks.c.removed_at.is_(None))
        with self._engine.begin() as conn:
            # the enterprise's row locked: registrations of one enterprise take turns, so the count
            # below holds (and the partial unique index ix_webhooks_live_url backs the URL check)
            self._require(conn, code, lock=True)
            existing = conn.execute(sa.select(webhooks.c.id, webhooks.c.url).where(live)).all()
            same = [row.id for row in existing if row.url == url]
            if same:
                raise ConflictError(
                    f"webhook {same[0]} already delivers to this URL; remove it to register again",
                    rule="webhook-exists",
                )
            if len(existing) >= MAX_WEBHOOKS:
                raise ConflictError(
                    f"{len(existing)} webhooks are registered, the most allowed is {MAX_WEBHOOKS}",
                    rule="webhook-limit",
                )
            webhook_id = conn.execute(
                webhooks.insert().values(enterprise_code=code, url=url, secret=secret, created_at=now)
            ).inserted_primary_key
        return Webhook(int(webhook_id[0]) if webhook_id else 0, code, url, secret, now)

    def webhooks(self, code: str) -> list[Webhook]:
        """`code`'s live webhooks, oldest first."""
        query = (
            sa.select(webhooks)
            .where(webhooks.c.enterprise_code == code, webhooks.c.removed_at.is_(None))
            .order_by(webhooks.c.id)
        )
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            rows = conn.execute(query).all()
        return [Webhook(row.id, row.enterprise_code, row.url, row.secret, row.created_at) for row in rows]

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
        """Store a key (`given`, or a new one) for `code`: its listing entry, and the key itself."""
        api_key = given or new_api_key()
        prefix = api_key[: len(KEY_PREFIX) + 6]
        _changed(conn)  # a gateway that remembers this key as unknown looks again
        inserted = conn.execute(
            api_keys.insert().values(
                enterprise_code=code, key_hash=hash_key(api_key), prefix=prefix, created_at=now
            )
        ).inserted_primary_key
        return ApiKeyInfo(int(inserted[0]) if inserted else 0, prefix, now, None), api_key

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


def _insert_certificate(
    conn: sa.Connection, code: str, der: bytes, serial: str, now: datetime, *, limit: int | None = None
) -> str:
    """Store `code`'s certificate unless it has it already; its SHA-256. No generation bump: owners
    of unknown certificates are looked up again until found."""
    fingerprint = hashlib.sha256(der).hexdigest()
    owner = conn.execute(
        sa.select(certificates.c.enterprise_code).where(certificates.c.fingerprint == fingerprint)
    ).scalar()
    if owner is not None and owner != code:
        raise ConflictError(f"this certificate is registered to {owner}", rule="certificate-owner")
    if owner is None and limit is not None:
        held = sa.select(sa.func.count()).where(certificates.c.enterprise_code == code)
        if conn.execute(held).scalar_one() >= limit:
            raise ConflictError(
                f"you have {limit} certificates; remove one (DELETE /api/certificates/{{sha256}}) first",
                rule="certificate-limit",
            )
    if owner is None:
        conn.execute(
            certificates.insert().values(
                fingerprint=fingerprint, enterprise_code=code, serial=serial, der=der, created_at=now
            )
        )
    return fingerprint


def _changed(conn: sa.Connection) -> None:
    """Count a change gateways must not keep answering from memory (in the caller's transaction,
    so a gateway that sees the new generation also sees the change)."""
    set_counter(conn, GENERATION, lock_counter(conn, GENERATION) + 1)


def _check_url(url: str) -> None:
    try:
        parsed = urlsplit(url)
        _ = parsed.port  # a port that is not a number raises here
    except ValueError as exc:  # e.g. an unclosed [IPv6] host
        raise RequestError(f"a webhook URL that cannot be read: {exc}", rule="webhook-url") from exc
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise RequestError(f"a webhook URL must be http(s) with a host: {url[:100]!r}", rule="webhook-url")
    if parsed.username or parsed.password:
        raise RequestError("a webhook URL must not carry credentials: the secret signs each delivery",
                           rule="webhook-url")  # fmt: skip
    if len(url) > MAX_URL or any(ch.isspace() for ch in url):
        raise RequestError(f"a webhook URL must be at most {MAX_URL} characters, without spaces",
                           rule="webhook-url")  # fmt: skip


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
