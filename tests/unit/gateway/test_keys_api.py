"""Self-service API keys over HTTP: issue (shown once), list (never the keys), revoke; a rotation."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx2
import pytest
from fastapi.testclient import TestClient

from declarations.identity import Enterprise, Role
from declarations.store.api_keys import MAX_KEYS
from gateway import recent
from gateway.app import create_app
from gateway.runtime import Runtime, build_runtime
from gateway.settings import Settings
from tests.unit.receipts.builders import NOW

SHOP = Enterprise("1105910159", "东方物通", frozenset({Role.ECOMMERCE, Role.PLATFORM}), "DXPENT0000000001")
RIVAL = Enterprise("3301960001", "杭州某电商", frozenset({Role.ECOMMERCE}), "DXPENT3301960001")


@dataclasses.dataclass
class Api:
    client: TestClient
    runtime: Runtime
    keys: dict[str, str]

    def call(self, method: str, url: str, key: str) -> httpx2.Response:
        return self.client.request(method, url, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    runtime = build_runtime(Settings(db=f"sqlite:///{tmp_path / 'cebsim.db'}", require_signatures=False))
    keys = {e.code: runtime.registry.add(e, NOW) for e in (SHOP, RIVAL)}
    with TestClient(create_app(runtime.settings, runtime)) as client:
        yield Api(client, runtime, keys)


def test_a_rotation_issues_a_new_key_lists_both_and_revokes_the_old_one(api: Api) -> None:
    old = api.keys[SHOP.code]
    issued = api.call("POST", "/api/keys", old)
    assert issued.status_code == 201, issued.text
    new = issued.json()["api_key"]
    assert new.startswith(issued.json()["prefix"])
    assert api.call("GET", "/api/keys", new).status_code == 200  # the new key works at once

    listed = api.call("GET", "/api/keys", new).json()["keys"]
    assert [k["revoked_at"] for k in listed] == [None, None]
    assert old not in str(listed)
    assert new not in str(listed)
    old_id = next(k["id"] for k in listed if old.startswith(k["prefix"]))
    assert api.call("DELETE", f"/api/keys/{old_id}", new).status_code == 204

    refused = api.call("GET", "/api/keys", old)  # at once: this process forgot what it remembered
    assert refused.status_code == 401
    assert refused.json()["error"]["rule"] == "api-key"
    after = api.call("GET", "/api/keys", new).json()["keys"]
    assert [k["id"] for k in after if k["revoked_at"] is not None] == [old_id]


def test_a_key_revoked_by_the_operator_is_refused_once_the_remembered_answer_expires(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = api.keys[SHOP.code]
    (key,) = api.call("GET", "/api/keys", shop).json()["keys"]
    assert api.runtime.registry.revoke_key(SHOP.code, key["id"], NOW)  # `cebsim enterprise key-revoke`
    assert api.call("GET", "/api/keys", shop).status_code == 200  # remembered for up to 10 s
    later = time.monotonic() + 11
    monkeypatch.setattr(recent, "time", SimpleNamespace(monotonic=lambda: later))
    assert api.call("GET", "/api/keys", shop).status_code == 401


def test_an_enterprise_sees_and_revokes_only_its_own_keys(api: Api) -> None:
    rival_keys = api.call("GET", "/api/keys", api.keys[RIVAL.code]).json()["keys"]
    (rival_key,) = rival_keys
    shop = api.keys[SHOP.code]
    assert len(api.call("GET", "/api/keys", shop).json()["keys"]) == 1
    refused = api.call("DELETE", f"/api/keys/{rival_key['id']}", shop)
    assert refused.status_code == 404
    assert refused.json()["error"]["rule"] == "key-unknown"
    assert api.runtime.registry.by_api_key(api.keys[RIVAL.code]) == RIVAL


@pytest.mark.parametrize("key_id", ["999999", "abc", "-1", "1" * 30, "%C2%B2", "\u0661"])
def test_revoking_a_key_that_is_not_yours_or_not_a_number_is_404(api: Api, key_id: str) -> None:
    answer = api.call("DELETE", f"/api/keys/{key_id}", api.keys[SHOP.code])
    assert answer.status_code == 404
    assert answer.json()["error"]["rule"] == "key-unknown"


def test_the_eleventh_live_key_is_refused_409_and_a_revocation_makes_room(api: Api) -> None:
    shop = api.keys[SHOP.code]
    for _ in range(MAX_KEYS - 1):  # the key from registration is the first
        assert api.call("POST", "/api/keys", shop).status_code == 201
    refused = api.call("POST", "/api/keys", shop)
    assert refused.status_code == 409
    assert refused.json()["error"]["rule"] == "key-limit"
    assert len(api.call("GET", "/api/keys", shop).json()["keys"]) == MAX_KEYS
    newest = api.call("GET", "/api/keys", shop).json()["keys"][-1]["id"]
    assert api.call("DELETE", f"/api/keys/{newest}", shop).status_code == 204
    assert api.call("POST", "/api/keys", shop).status_code == 201


def test_keys_need_a_key(api: Api) -> None:
    assert api.client.get("/api/keys").status_code == 401
    assert api.client.post("/api/keys").status_code == 401
