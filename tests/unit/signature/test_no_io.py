"""verify_message reads nothing but its argument: no file, no network, whatever the message says."""

from __future__ import annotations

import builtins
import socket
from typing import NoReturn

import pytest

from gateway.signature import sign_message, verify_message
from schemas.safe_xml import parse
from tests.unit.signature.builders import NOW, make_identity


def forbidden(*_args: object, **_kwargs: object) -> NoReturn:
    raise AssertionError("verify_message tried to open a file or a socket")


@pytest.mark.parametrize("algorithm", ["rsa-sha256", "sm2-sm3"])
def test_verification_opens_no_file_and_no_socket(
    monkeypatch: pytest.MonkeyPatch, ceb311: bytes, algorithm: str
) -> None:
    root = parse(sign_message(ceb311, make_identity(algorithm), algorithm))
    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(socket, "socket", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    assert verify_message(root, now=NOW).valid


def test_a_reference_to_a_remote_uri_is_refused_without_being_fetched(
    monkeypatch: pytest.MonkeyPatch, ceb311: bytes
) -> None:
    root = parse(sign_message(ceb311, make_identity(), "rsa-sha256"))
    next(root.iter("{http://www.w3.org/2000/09/xmldsig#}Reference")).set("URI", "http://127.0.0.1:9/x.xml")
    monkeypatch.setattr(socket, "socket", forbidden)
    assert verify_message(root, now=NOW).code == "1001"
