"""The enterprises that send the traffic: codes of the right form, names, roles, DXP ids, API keys, keys.

Codes are either 10-character customs registration codes (4-digit area, then 6 characters, like
`3301964J31`) or 18-character unified social credit codes (GB 32100, with valid organisation-code
and overall check characters). API keys are drawn from the seed (`cebsim_` + 43 URL-safe
characters), so `cebsim enterprise import DIR/parties.json` registers exactly these keys.

parties.json: {"seed", "note", "parties": [{"code", "name", "roles", "dxp_id", "api_key", "key_kind",
"algorithm", "certificate_serial", "certificate_pem", "key_file", "certificate_file"}]}
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.traffic.config import PartyCounts
from benchmarks.traffic.keys import default_cache, derived_identity
from declarations.identity import Role
from gateway.signature import KeyKind, SigningIdentity

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
AREAS = ("3301", "3302", "4403", "3100", "1101", "5101", "4401", "3502")
CITIES = {"3301": "杭州", "3302": "宁波", "4403": "深圳", "3100": "上海", "1101": "北京", "5101": "成都",
          "4401": "广州", "3502": "厦门"}  # fmt: skip
BRANDS = ("优选", "海淘", "全球购", "环球", "跨境通", "云仓", "速达", "易购", "丝路", "东方", "万邦", "集运")
SUFFIX = {
    Role.PLATFORM: "电子商务平台有限公司",
    Role.ECOMMERCE: "跨境电子商务有限公司",
    Role.PAYMENT: "支付科技有限公司",
    Role.LOGISTICS: "国际物流有限公司",
    Role.AGENT: "报关代理有限公司",
}
ALGORITHM = {KeyKind.RSA: "rsa-sha256", KeyKind.SM2: "sm2-sm3"}


@dataclass(frozen=True, slots=True)
class Party:
    code: str
    name: str
    role: Role
    dxp_id: str
    api_key: str
    kind: KeyKind
    identity: SigningIdentity | None = None

    @property
    def algorithm(self) -> str:
        return ALGORITHM[self.kind]


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum(_org_value(ch) * weight for ch, weight in zip(body, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - 55


def uscc_check(first17: str) -> str:
    """GB 32100 check character of an 18-character unified social credit code."""
    total = sum(USCC_CHARS.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    return len(code) == 18 and all(ch in USCC_CHARS for ch in code) and uscc_check(code[:17]) == code[17]


def _customs_code(rng: random.Random, area: str) -> str:
    return f"{area}9{rng.randint(1, 9)}" + "".join(rng.choices("0123456789DJW", k=4))


def _uscc(rng: random.Random, district: str) -> str:
    body = "".join(rng.choices("0123456789", k=8))
    first17 = "91" + district + body + org_code_check(body)
    return first17 + uscc_check(first17)


def _api_key(rng: random.Random) -> str:
    return "cebsim_" + base64.urlsafe_b64encode(rng.randbytes(32)).decode().rstrip("=")


def roster(counts: PartyCounts) -> list[Role]:
    """The roles in the order the parties are made (the same order for the same counts)."""
    sizes: tuple[tuple[Role, int], ...] = (
        (Role.PLATFORM, counts.platforms),
        (Role.ECOMMERCE, counts.ecommerce),
    )
    sizes += ((Role.PAYMENT, counts.payment), (Role.LOGISTICS, counts.logistics), (Role.AGENT, counts.agents))
    return [role for role, size in sizes for _ in range(size)]


def make_parties(seed: int, counts: PartyCounts, key_kinds: str) -> list[Party]:
    """Parties without identities (cheap): codes, names, DXP ids and API keys from the seed."""
    rng = random.Random(f"{seed}:parties")
    parties: list[Party] = []
    for index, role in enumerate(roster(counts)):
        area = rng.choice(AREAS)
        code = _uscc(rng, area + "06") if index % 3 == 2 else _customs_code(rng, area)
        name = f"{CITIES[area]}{rng.choice(BRANDS)}{SUFFIX[role]}"
        kind = _kind(key_kinds, index)
        parties.append(Party(code, name, role, f"DXPENT{code[-10:]}", _api_key(rng), kind))
    return parties


def _kind(key_kinds: str, index: int) -> KeyKind:
    if key_kinds == "mixed":
        return KeyKind.SM2 if index % 2 else KeyKind.RSA
    return KeyKind(key_kinds)


def with_identities(parties: list[Party], seed: int, start: datetime) -> list[Party]:
    """The parties with their seed-derived identities, valid ten years either side of `start`."""
    validity = (start - timedelta(days=3650), start + timedelta(days=3650))
    return [
        Party(p.code, p.name, p.role, p.dxp_id, p.api_key, p.kind,
              derived_identity(seed, p.code, p.name, kind=p.kind, validity=validity, cache=default_cache()))
        for p in parties
    ]  # fmt: skip


def write_parties(out: Path, seed: int, parties: list[Party]) -> Path:
    """`parties.json` and `identities/<code>.key.pem|.cert.pem` under `out`."""
    (out / "identities").mkdir(parents=True, exist_ok=True)
    rows = [_row(out, party) for party in parties]
    note = "rehearsal keys derived from the seed: register them only with a simulator"
    path = out / "parties.json"
    path.write_text(json.dumps({"seed": seed, "note": note, "parties": rows}, ensure_ascii=False, indent=1))
    return path


def _row(out: Path, party: Party) -> dict[str, Any]:
    row: dict[str, Any] = {"code": party.code, "name": party.name, "roles": [party.role.value]}
    row |= {"dxp_id": party.dxp_id, "api_key": party.api_key, "key_kind": party.kind.value}
    if party.identity is not None:
        key_file, cert_file = f"identities/{party.code}.key.pem", f"identities/{party.code}.cert.pem"
        party.identity.to_files(out / key_file, out / cert_file)
        row |= {"algorithm": party.algorithm, "certificate_serial": party.identity.certificate.serial_hex}
        row |= {"certificate_pem": party.identity.certificate_pem.decode()}
        row |= {"key_file": key_file, "certificate_file": cert_file}
    return row


def read_parties(path: Path) -> list[dict[str, Any]]:
    """The party rows of a parties.json (ValueError when it is not one)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data.get("parties") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) and "code" in row for row in rows):
        raise ValueError(f"{path} is not a parties.json: no 'parties' list of objects with a 'code'")
    return rows
