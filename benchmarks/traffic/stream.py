"""The send order of a block of parcels: documents grouped into messages, then the knobs' extras.

A block is `docs_per_message` parcels. Its documents are grouped by (message type, sender) into
messages of up to `docs_per_message` documents, in the flow's natural order — order, payment,
waybill, list — or in a shuffled order when a parcel of the block arrives out of order. Then:
modifications (appType=2 orders, right after the orders), export arrival and departure reports
(one of each per carrier), and duplicates (an identical copy of a message, at the block's end).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.traffic.parcel import Context, Parcel
from benchmarks.traffic.parties import Party
from benchmarks.traffic.render import Doc, document_xml

MODIFICATION_DELAY_S = 120


@dataclass(slots=True)
class Planned:
    """One message to send: its type, sender and documents as (parcel id, document guid, XML)."""

    message_type: str
    sender: Party
    documents: list[tuple[str, str, str]]
    duplicate: bool = False
    extra: str = ""  # "" for a parcel's own document, else modification | arrival | departure


@dataclass(slots=True)
class Flags:
    duplicate: set[str] = field(default_factory=set)  # parcel ids
    modified: set[str] = field(default_factory=set)
    out_of_order: set[str] = field(default_factory=set)


def _grouped(parcels: list[Parcel], message_type: str, extra: str = "") -> list[Planned]:
    groups: dict[str, Planned] = {}
    for parcel in parcels:
        head, lines = parcel.docs[message_type]
        sender = parcel.senders[message_type]
        planned = groups.setdefault(sender.code, Planned(message_type, sender, [], extra=extra))
        planned.documents.append((parcel.id, head["guid"], document_xml(message_type, head, lines)))
    return list(groups.values())


def _type_order(ctx: Context, parcels: list[Parcel], flags: Flags) -> tuple[str, ...]:
    natural = parcels[0].types
    if not any(parcel.id in flags.out_of_order for parcel in parcels):
        return natural
    shuffled = list(natural)
    ctx.rng.shuffle(shuffled)
    return tuple(shuffled) if tuple(shuffled) != natural else natural[::-1]


def _modifications(ctx: Context, parcels: list[Parcel]) -> list[Planned]:
    """A new version (appType=2) of each flagged parcel's order, changing only its note."""
    planned: dict[str, Planned] = {}
    for parcel in parcels:
        order_type = parcel.types[0]
        head, lines = parcel.docs[order_type]
        changed = head | {"guid": ctx.guid(), "appType": "2", "note": "订单变更：补充配送备注"}
        changed["appTime"] = ctx.times(parcel.index, MODIFICATION_DELAY_S)[0]
        parcel.modifications.append((order_type, changed, lines))
        sender = parcel.senders[order_type]
        target = planned.setdefault(sender.code, Planned(order_type, sender, [], extra="modification"))
        target.documents.append((parcel.id, changed["guid"], document_xml(order_type, changed, lines)))
    return list(planned.values())


def block_plan(ctx: Context, parcels: list[Parcel], flags: Flags) -> list[Planned]:
    """The messages of one block, in send order."""
    plan: list[Planned] = []
    for flow in ("import", "export"):
        members = [parcel for parcel in parcels if parcel.flow == flow]
        if not members:
            continue
        for message_type in _type_order(ctx, members, flags):
            plan.extend(_grouped(members, message_type))
            if message_type == members[0].types[0]:
                plan.extend(_modifications(ctx, [p for p in members if p.id in flags.modified]))
        if flow == "export":
            plan.extend(export_reports(ctx, members))
    return plan + _duplicates(ctx, parcels, plan, flags)


def _duplicates(ctx: Context, parcels: list[Parcel], plan: list[Planned], flags: Flags) -> list[Planned]:
    chosen: list[Planned] = []
    for parcel in parcels:
        if parcel.id not in flags.duplicate:
            continue
        guid = parcel.docs[ctx.rng.choice(parcel.types)][0]["guid"]
        original = next(p for p in plan if any(doc[1] == guid for doc in p.documents) and not p.extra)
        if not any(p is original for p in chosen):
            chosen.append(original)
    return [Planned(p.message_type, p.sender, p.documents, duplicate=True) for p in chosen]


def export_reports(ctx: Context, parcels: list[Parcel]) -> list[Planned]:
    """Arrival (CEB507) then departure (CEB509) reports: one per carrier, listing its waybills."""
    by_carrier: dict[str, list[Parcel]] = {}
    for parcel in parcels:
        by_carrier.setdefault(parcel.senders["CEB505"].code, []).append(parcel)
    arrivals: list[Planned] = []
    departures: list[Planned] = []
    for group in by_carrier.values():
        carrier, last = group[0].senders["CEB505"], group[-1]
        lines = [
            {"gnum": str(n + 1), "logisticsNo": p.docs["CEB505"][0]["logisticsNo"]}
            for n, p in enumerate(group)
        ]
        for planned, code, head in (
            (arrivals, "CEB507", _arrival(ctx, last, carrier)),
            (departures, "CEB509", _departure(ctx, last, carrier)),
        ):
            xml = document_xml(code, head, lines)
            extra = "arrival" if code == "CEB507" else "departure"
            planned.append(Planned(code, carrier, [(p.id, head["guid"], xml) for p in group], extra=extra))
    return arrivals + departures


def _arrival(ctx: Context, last: Parcel, carrier: Party) -> Doc:
    head = _report_head(ctx, last, carrier, 300)
    head |= {"operatorCode": carrier.code, "operatorName": carrier.name}
    return head | {"ieFlag": "E", "trafMode": "5", "domesticTrafNo": "浙A8H620"}


def _departure(ctx: Context, last: Parcel, carrier: Party) -> Doc:
    head = _report_head(ctx, last, carrier, 600) | {"trafMode": "5", "voyageNo": "CA1041"}
    return head | {"billNo": f"999-{last.index:08d}", "leaveTime": head["appTime"]}


def _report_head(ctx: Context, parcel: Parcel, carrier: Party, offset_s: int) -> Doc:
    app_time = ctx.times(parcel.index, offset_s)[0]
    head = {"guid": ctx.guid(), "appType": "1", "appTime": app_time, "appStatus": "2"}
    head |= {"customsCode": parcel.docs["CEB603"][0]["customsCode"], "copNo": ctx.number("R", parcel.index)}
    head |= {"logisticsCode": carrier.code, "logisticsName": carrier.name}
    return head | {"msgCount": "1", "msgSeqNo": "1"}
