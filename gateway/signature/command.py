"""What `cebsim sign` does, kept here so that gateway/cli.py stays a thin list of commands.

    cebsim sign --key KEY.pem --cert CERT.pem [--algorithm A] [--out OUT] FILE
    cebsim sign --new-identity DIR --code CODE --name NAME [--algorithm A] [--days N]

Exit status: 0 done, 1 the message or identity cannot be used, 2 the options do not fit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, TextIO

from gateway.signature.algorithms import ALGORITHMS, KeyKind
from gateway.signature.errors import SignatureError
from gateway.signature.identity import SigningIdentity
from gateway.signature.issuing import issue_identity
from gateway.signature.signing import sign_message

_NEEDS = "signing needs --key, --cert and FILE (or --new-identity DIR to make a key)"
_DEFAULT_ALGORITHM = {KeyKind.RSA: "rsa-sha256", KeyKind.SM2: "sm2-sm3"}


@dataclass(frozen=True)
class SignRequest:
    """The options of one `cebsim sign` run."""

    file: Path | None
    key: Path | None
    cert: Path | None
    algorithm: str | None
    out: Path | None
    new_identity: Path | None
    code: str | None
    name: str | None
    days: int = 365


def run_sign(request: SignRequest, now: datetime, stdout: BinaryIO, stderr: TextIO) -> int:
    """Sign a file or issue a new identity; the exit status."""
    usage = _usage_error(request)
    if usage:
        stderr.write(f"cebsim sign: {usage}\n")
        return 2
    try:
        if request.new_identity is not None:
            stdout.write(_new_identity(request, request.new_identity, now).encode())
        else:
            _sign(request, stdout)
    except SignatureError as exc:
        stderr.write(f"cebsim sign: {exc.message}\n")
        return 1
    return 0


def _usage_error(request: SignRequest) -> str | None:
    if request.new_identity is not None:
        if not (request.code and request.name):
            return "--new-identity needs --code and --name"
        if request.file or request.key or request.cert:
            return "--new-identity makes a key and certificate; it takes no FILE, --key or --cert"
        return None if request.days > 0 else "--days must be positive"
    if request.file is None or request.key is None or request.cert is None:
        return _NEEDS
    return None


def _sign(request: SignRequest, stdout: BinaryIO) -> None:
    key, cert, file = request.key, request.cert, request.file
    if key is None or cert is None or file is None:
        raise SignatureError(_NEEDS)
    identity = SigningIdentity.from_files(key, cert)
    algorithm = request.algorithm or _DEFAULT_ALGORITHM[identity.certificate.key_kind]
    try:
        signed = sign_message(file.read_bytes(), identity, algorithm)
        if request.out is None:
            stdout.write(signed)
        else:
            request.out.write_bytes(signed)
    except OSError as exc:
        raise SignatureError(f"cannot read or write {exc.filename}: {exc.strerror}") from exc


def _new_identity(request: SignRequest, directory: Path, now: datetime) -> str:
    """Write DIR/key.pem and DIR/cert.pem; the report to print."""
    algorithm = request.algorithm or "rsa-sha256"
    identity = issue_identity(
        request.code or "",
        request.name or "",
        not_before=now - timedelta(minutes=5),  # slack for clocks that lag a little
        not_after=now + timedelta(days=request.days),
        kind=ALGORITHMS[algorithm].key_kind,
    )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SignatureError(f"cannot create {directory}: {exc.strerror}") from exc
    key_path, cert_path = directory / "key.pem", directory / "cert.pem"
    identity.to_files(key_path, cert_path)
    certificate = identity.certificate
    return (
        f"key:         {key_path}\ncertificate: {cert_path}\n"
        f"serial:      {certificate.serial_hex}\nfingerprint: {certificate.fingerprint} (sha256)\n"
        f"valid:       {certificate.not_before.isoformat()} to {certificate.not_after.isoformat()}\n"
        f"sign with:   cebsim sign --key {key_path} --cert {cert_path} --algorithm {algorithm} FILE\n"
    )
