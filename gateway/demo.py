"""Demo enterprises for `make run`: one per role, with API keys and signing identities ready to use.

Each start registers the demo enterprises that are missing and issues each one a fresh API key
(keys are stored hashed, so an old key cannot be shown again). Keys and certificates are written
to `var/demo/` with a README, so an integrator can post signed or unsigned traffic at once.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from declarations.identity import Enterprise, Role
from gateway.openapi_examples import EXAMPLES
from gateway.runtime import Runtime
from gateway.signature import KeyKind, SigningIdentity, issue_identity


@dataclass(frozen=True)
class DemoParty:
    code: str
    name: str
    roles: frozenset[Role]
    kind: KeyKind


# what the generated example messages in schemas/examples/ carry, replaced by the demo platform's
EXAMPLE_CODE, EXAMPLE_DXP_ID = "1105910159", "DXPENT0000000001"
EXAMPLE_GUID, EXAMPLE_ORDER_NO = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94", "order20240308001"

DEMO = (
    DemoParty(
        "3301960001", "杭州跨境优选电子商务有限公司", frozenset({Role.PLATFORM, Role.ECOMMERCE}), KeyKind.SM2
    ),
    DemoParty("3122480063", "上海易付支付有限公司", frozenset({Role.PAYMENT}), KeyKind.RSA),
    DemoParty("3301980009", "杭州速达国际物流有限公司", frozenset({Role.LOGISTICS}), KeyKind.RSA),
    DemoParty("3301980010", "杭州通关报关行有限公司", frozenset({Role.AGENT}), KeyKind.SM2),
    DemoParty("3301980011", "杭州保税物流中心经营有限公司", frozenset({Role.OPERATOR}), KeyKind.RSA),
    DemoParty(
        "3301980012", "中国邮政速递物流杭州分公司", frozenset({Role.EXPRESS, Role.LOGISTICS}), KeyKind.RSA
    ),
)


def seed(runtime: Runtime, out: Path) -> list[dict[str, str]]:
    """Register what is missing, issue fresh keys, write identities; the rows printed at start-up."""
    now = runtime.clock.now()
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for party in DEMO:
        enterprise = Enterprise(party.code, party.name, party.roles, f"DXPENT{party.code}")
        if runtime.registry.get(party.code) is None:
            api_key = runtime.registry.add(enterprise, now)
        else:
            api_key = runtime.registry.new_key(party.code, now)
        key_path, cert_path = _identity(runtime, party, out, now)
        rows.append(
            {
                "code": party.code,
                "name": party.name,
                "roles": ",".join(sorted(r.value for r in party.roles)),
                "dxp_id": enterprise.dxp_id,
                "api_key": api_key,
                "key": str(key_path),
                "cert": str(cert_path),
            }
        )
    (out / "parties.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    _sample_order(out, DEMO[0], now)
    return rows


def _sample_order(out: Path, platform: DemoParty, now: datetime) -> None:
    """A CEB311 from the demo platform, with a fresh guid and order number, ready to POST."""
    text = (EXAMPLES / "CEB311Message.xml").read_text(encoding="utf-8")
    guid = str(uuid.uuid4()).upper()
    text = (
        text.replace(EXAMPLE_CODE, platform.code)
        .replace(EXAMPLE_DXP_ID, f"DXPENT{platform.code}")
        .replace(EXAMPLE_GUID, guid)
        .replace(EXAMPLE_ORDER_NO, f"DEMO{now:%Y%m%d%H%M%S}")
    )
    (out / "CEB311Message.xml").write_text(text, encoding="utf-8")


def _identity(runtime: Runtime, party: DemoParty, out: Path, now: datetime) -> tuple[Path, Path]:
    key_path, cert_path = out / f"{party.code}.key.pem", out / f"{party.code}.cert.pem"
    if key_path.exists() and cert_path.exists():
        identity = SigningIdentity.from_files(key_path, cert_path)
    else:
        identity = issue_identity(
            party.code,
            party.name,
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=3650),
            kind=party.kind,
        )
        identity.to_files(key_path, cert_path)
    runtime.registry.add_certificate(
        party.code, identity.certificate_der, identity.certificate.serial_hex, now
    )
    return key_path, cert_path
