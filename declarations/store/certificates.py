"""The registered signing certificates: which enterprise signs with which certificate (by SHA-256).

    insert_certificate(conn, code, der, serial, now, limit=)  register one (again: nothing changes)
    owner_of(conn, fingerprint)                               the enterprise that registered it
    certificates_of(conn, code) / every_certificate(conn)     listings, oldest first
    delete_certificate(conn, code, fingerprint)               forget one of `code`'s

The enterprise registry runs these in its transactions; removing a certificate bumps the registry's
generation there (a new one needs none: owners of unknown certificates are looked up again until
found).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from declarations.errors import ConflictError
from declarations.store.tables import certificates

MAX_CERTIFICATES = 10  # signing certificates an enterprise may register itself (POST /api/certificates)


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    fingerprint: str  # SHA-256 of the DER, hex
    serial: str
    created_at: datetime
    der: bytes = field(default=b"", repr=False)


def insert_certificate(
    conn: sa.Connection, code: str, der: bytes, serial: str, now: datetime, *, limit: int | None = None
) -> str:
    """Store `code`'s certificate unless it has it already; its SHA-256. No generation bump: owners
    of unknown certificates are looked up again until found."""
    fingerprint = hashlib.sha256(der).hexdigest()
    owner = owner_of(conn, fingerprint)
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


def owner_of(conn: sa.Connection, fingerprint: str) -> str | None:
    """The code of the enterprise that registered the certificate with this SHA-256, if any."""
    owner = conn.execute(
        sa.select(certificates.c.enterprise_code).where(certificates.c.fingerprint == fingerprint)
    ).scalar()
    return str(owner) if owner is not None else None


def certificates_of(conn: sa.Connection, code: str) -> list[CertificateInfo]:
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
    rows = conn.execute(query).all()
    return [CertificateInfo(row.fingerprint, row.serial, row.created_at, row.der) for row in rows]


def every_certificate(conn: sa.Connection) -> list[tuple[str, CertificateInfo]]:
    """Every enterprise's signing certificates, as (enterprise code, certificate)."""
    query = sa.select(certificates).order_by(certificates.c.enterprise_code, certificates.c.created_at)
    rows = conn.execute(query).all()
    return [
        (row.enterprise_code, CertificateInfo(row.fingerprint, row.serial, row.created_at, row.der))
        for row in rows
    ]


def delete_certificate(conn: sa.Connection, code: str, fingerprint: str) -> bool:
    """Delete `code`'s certificate with this SHA-256 (any case); False if `code` has none."""
    removed = conn.execute(
        certificates.delete().where(
            certificates.c.fingerprint == fingerprint.lower(), certificates.c.enterprise_code == code
        )
    ).rowcount
    return bool(removed)
