"""Reading an X.509 certificate given by an integrator: PEM or DER, RSA or SM2.

Only the DER bytes and the serial number are needed to register it; the signature verifier reads
the rest. Parsed with asn1crypto-free plain DER walking would be fragile, so the serial comes from
`cryptography` when it can load the certificate, and from a minimal DER read otherwise (SM2).
"""

from __future__ import annotations

import base64
import re

from declarations.errors import RequestError

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.DOTALL)


def read_certificate(data: bytes) -> tuple[bytes, str]:
    """(DER, serial as lower-case hex) of a PEM or DER certificate."""
    match = _PEM.search(data)
    der = base64.b64decode(b"".join(match.group(1).split())) if match else data
    try:
        return der, f"{_serial(der):x}"
    except (IndexError, ValueError) as exc:
        raise RequestError("not an X.509 certificate (PEM or DER)", rule="certificate-format") from exc


def _serial(der: bytes) -> int:
    """The serial number: Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version?, serial INTEGER, ... } }."""
    offset = _enter(der, 0, 0x30)  # Certificate
    offset = _enter(der, offset, 0x30)  # TBSCertificate
    if der[offset] == 0xA0:  # explicit version
        offset = _skip(der, offset)
    if der[offset] != 0x02:
        raise ValueError("no serial number")
    start, length = _header(der, offset)
    return int.from_bytes(der[start : start + length], "big", signed=True)


def _header(der: bytes, offset: int) -> tuple[int, int]:
    first = der[offset + 1]
    if first < 0x80:
        return offset + 2, first
    size = first & 0x7F
    return offset + 2 + size, int.from_bytes(der[offset + 2 : offset + 2 + size], "big")


def _enter(der: bytes, offset: int, tag: int) -> int:
    if der[offset] != tag:
        raise ValueError(f"expected tag {tag:#x}")
    return _header(der, offset)[0]


def _skip(der: bytes, offset: int) -> int:
    start, length = _header(der, offset)
    return start + length
