"""One generated parcel (its four documents as dicts) and the generation context they are drawn from.

Everything random comes from one `random.Random(seed)` consumed in a fixed order, and every time from
`start` plus a fixed step per parcel, so the same seed and knobs give the same parcels, byte for byte.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from benchmarks.traffic.parties import Party
from benchmarks.traffic.people import Buyer, make_buyer
from benchmarks.traffic.render import Doc
from declarations.domain.messages import CHINA_STANDARD_TIME
from declarations.identity import Role

IMPORT_TYPES = ("CEB311", "CEB411", "CEB511", "CEB621")
EXPORT_TYPES = ("CEB303", "CEB403", "CEB505", "CEB603")
LIST_RECEIPT = {"CEB621": "CEB622", "CEB603": "CEB604"}
PARCELS_PER_BUYER = 4  # each at most 5,000 CNY: a buyer stays under the 26,000 annual limit
SECONDS_PER_PARCEL = 0.1  # simulated business time between two parcels' orders


def yuan(cents: int) -> str:
    """Fen as the two-decimal text enterprises send: 12345 → '123.45'."""
    sign, cents = ("-", -cents) if cents < 0 else ("", cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


@dataclass(slots=True)
class Parcel:
    id: str
    index: int
    flow: str  # import | export
    scenario: str
    order_no: str
    buyer_id: str
    senders: dict[str, Party]  # message type → the party that sends it
    docs: dict[str, tuple[Doc, list[Doc]]]  # message type → (head, lines)
    expected_status: str = "899"
    expected_codes: tuple[str, ...] = ()
    note: str = ""
    modifications: list[tuple[str, Doc, list[Doc]]] = field(default_factory=list)

    @property
    def types(self) -> tuple[str, ...]:
        return IMPORT_TYPES if self.flow == "import" else EXPORT_TYPES

    @property
    def list_type(self) -> str:
        return self.types[3]


class Context:
    """The seeded source of parcels: parties by role, buyers, numbers, guids and times."""

    def __init__(self, seed: int, parties: list[Party], start: datetime) -> None:
        self.rng = random.Random(seed)
        self.tag = hashlib.sha256(str(seed).encode()).hexdigest()[:5].upper()
        self.by_role: dict[Role, list[Party]] = {}
        for party in parties:
            self.by_role.setdefault(party.role, []).append(party)
        self._start = start.astimezone(CHINA_STANDARD_TIME)
        self._times: dict[int, tuple[str, str]] = {}
        self._buyers: dict[int, Buyer] = {}

    def party(self, role: Role) -> Party:
        return self.rng.choice(self.by_role[role])

    def guid(self) -> str:
        h = f"{self.rng.getrandbits(128):032X}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"

    def buyer(self, index: int) -> Buyer:
        """The buyer of parcel `index`: a new one every PARCELS_PER_BUYER parcels."""
        number = index // PARCELS_PER_BUYER
        buyer = self._buyers.get(number)
        if buyer is None:
            buyer = make_buyer(random.Random(f"{self.tag}:{number}"), number)
            self._buyers = {number: buyer}  # parcels come in order: keep only the current buyer
        return buyer

    def times(self, index: int, offset_s: int = 0) -> tuple[str, str]:
        """(YYYYMMDDhhmmss, YYYYMMDD) of parcel `index`'s business time plus `offset_s`."""
        second = int(index * SECONDS_PER_PARCEL) + offset_s
        cached = self._times.get(second)
        if cached is None:
            moment = self._start + timedelta(seconds=second)
            cached = (moment.strftime("%Y%m%d%H%M%S"), moment.strftime("%Y%m%d"))
            if len(self._times) > 4096:
                self._times.clear()
            self._times[second] = cached
        return cached

    def number(self, prefix: str, index: int) -> str:
        return f"{prefix}{self.tag}{index:09d}"
