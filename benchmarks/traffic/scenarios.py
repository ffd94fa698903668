"""Outcome scenarios: what a parcel should end as, and the one change that makes a matching rule fail.

Each mismatch mutation breaks exactly its rule (`tests/unit/traffic` runs the domain's rules over
every mutated set), except the two duplicate-gnum rules: a repeated gnum on one side only also breaks
the one-to-one rule, so both sides repeat it and both rules fail (-301002 and -621027 together).
Not generated (asking for them draws an ordinary parcel): `currency`, because the XSD fixes every
import currency to 142, so such a document is refused at intake (400) and the rule is never reached;
and export `waybill_list_key`, because an export list with a foreign waybill number never meets its
waybill (waybills are parked by logistics number), so it would time out instead.

| scenario | expected list receipt |
|---|---|
| normal | 899 (released and closed) |
| inspection | 899: cebsim has no inspection rule yet (`ReviewPolicy.decide` releases every list) |
| mismatch:RULE | the rule's code (`matching_rules`, `export_rules`) |
| over_single | -621005 (value above 5,000 and not one indivisible item) |
| over_annual | -621018 (one indivisible item worth more than the 26,000 annual limit) |
| off_list | 100 (goods not on the positive list) |
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.traffic.config import EXPORT_RULE_CODES, IMPORT_RULE_CODES
from benchmarks.traffic.parcel import LIST_RECEIPT, Parcel, yuan
from benchmarks.traffic.render import Doc

OUTCOMES = {"normal": "899", "inspection": "899", "over_single": "-621005", "over_annual": "-621018",
            "off_list": "100"}  # fmt: skip
INSPECTION_NOTE = "inspection candidate; no inspection rule in cebsim yet, so released"
EXPORT_UNSUPPORTED = frozenset({"waybill_list_key"})
UNREACHABLE = frozenset({"currency"})


def _cents(text: str) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


def _other(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def _docs(parcel: Parcel) -> tuple[Doc, Doc, Doc, Doc, list[Doc], list[Doc]]:
    """order head, payment, waybill, list head, order lines, list lines."""
    order, pay, way, inv = (parcel.docs[mt] for mt in parcel.types)
    return order[0], pay[0], way[0], inv[0], order[1], inv[1]


def _set(parcel: Parcel, which: int, **values: str) -> None:
    """Set head fields of document `which` (0 order, 1 payment/collection, 2 waybill, 3 list)."""
    parcel.docs[parcel.types[which]][0].update(values)


def _paid_sum(p: Parcel) -> None:
    order, pay, *_ = _docs(p)
    wrong = yuan(_cents(order["acturalPaid"]) + 100)
    order["acturalPaid"], pay["amountPaid"] = wrong, wrong


def _paid_amount(p: Parcel) -> None:
    _, pay, *_ = _docs(p)
    pay["amountPaid"] = yuan(_cents(pay["amountPaid"]) + 100)


def _one_to_one(p: Parcel) -> None:
    lines = _docs(p)[5]
    lines[-1]["gnum"] = str(len(lines) + 1)


def _line(p: Parcel, **values: str) -> None:
    _docs(p)[5][0].update(values)


def _total(p: Parcel) -> None:
    line = _docs(p)[5][0]
    line["totalPrice"] = yuan(_cents(line["totalPrice"]) + 100)


def _unit1(p: Parcel) -> None:
    line = _docs(p)[5][0]
    line.update(unit1=line["unit"], qty1=str(int(line["qty"]) + 1))


def _duplicate_gnum(p: Parcel) -> None:
    """Both sides list their first line twice under gnum 1 (the same goods, twice)."""
    *_, order_lines, list_lines = _docs(p)
    for lines in (order_lines, list_lines):
        lines[1:] = [dict(lines[0])]


def _weights(p: Parcel) -> None:
    head = _docs(p)[3]
    head["netWeight"] = f"{float(head['grossWeight']) + 0.1:.3f}"


MUTATIONS: dict[str, Callable[[Parcel], None]] = {
    "order_list_key": lambda p: _set(p, 3, ebpCode=_other(_docs(p)[3]["ebpCode"])),
    "waybill_list_key": lambda p: _set(p, 3, logisticsNo=_docs(p)[3]["logisticsNo"] + "X"),
    "payment_order_key": lambda p: _set(p, 1, ebpCode=_other(_docs(p)[1]["ebpCode"])),
    "collection_order_key": lambda p: _set(p, 1, ebpCode=_other(_docs(p)[1]["ebpCode"])),
    "payment_transaction": lambda p: _set(p, 0, payTransactionId=_docs(p)[0]["payTransactionId"] + "X"),
    "actural_paid_sum": _paid_sum,
    "actural_paid_amount": _paid_amount,
    "lines_one_to_one": _one_to_one,
    "gname_item_name": lambda p: _line(p, gname=_docs(p)[5][0]["gname"] + "（赠品）"),
    "line_total_price": _total,
    "consignee_waybill": lambda p: _set(p, 2, consigneeTelephone=_other(_docs(p)[2]["consigneeTelephone"])),
    "consignee_address_list": lambda p: _set(p, 3, consigneeAddress=_docs(p)[3]["consigneeAddress"] + "东门"),
    "buyer_identity": lambda p: _set(p, 3, buyerTelephone=_other(_docs(p)[3]["buyerTelephone"])),
    "buyer_payer": lambda p: _set(p, 1, payerName=_docs(p)[1]["payerName"][0] + "某某"),
    "currency": lambda p: _set(p, 1, currency="502"),
    "weights": _weights,
    "legal_qty_unit1": _unit1,
    "legal_qty_unit2": lambda p: _line(p, unit2="035"),
    "duplicate_gnum_order": _duplicate_gnum,
    "duplicate_gnum_list": _duplicate_gnum,
}
DUPLICATE_GNUM = ("duplicate_gnum_order", "duplicate_gnum_list")


def supports(flow: str, rule: str) -> bool:
    codes = IMPORT_RULE_CODES if flow == "import" else EXPORT_RULE_CODES
    if rule in UNREACHABLE or (flow == "export" and rule in EXPORT_UNSUPPORTED):
        return False
    return rule in codes


def apply(parcel: Parcel) -> None:
    """Mutate the parcel for its scenario and set what its list should end as."""
    scenario = parcel.scenario
    if not scenario.startswith("mismatch:"):
        parcel.expected_status = OUTCOMES[scenario]
        parcel.expected_codes = (parcel.expected_status,)
        parcel.note = INSPECTION_NOTE if scenario == "inspection" else ""
        return
    rule = scenario.removeprefix("mismatch:")
    codes = IMPORT_RULE_CODES if parcel.flow == "import" else EXPORT_RULE_CODES
    MUTATIONS[rule](parcel)
    broken = DUPLICATE_GNUM if rule in DUPLICATE_GNUM else (rule,)
    parcel.expected_status = str(codes[rule])
    parcel.expected_codes = tuple(str(codes[name]) for name in broken)


def expected(parcel: Parcel) -> dict[str, object]:
    """The manifest's expectation for the parcel's list."""
    out: dict[str, object] = {
        "message_type": LIST_RECEIPT[parcel.list_type],
        "status": parcel.expected_status,
    }
    if len(parcel.expected_codes) > 1:
        out["codes"] = list(parcel.expected_codes)
    if parcel.scenario.startswith("mismatch:"):
        out["rule"] = parcel.scenario.removeprefix("mismatch:")
    if parcel.note:
        out["note"] = parcel.note
    return out
