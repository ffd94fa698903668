"""Rendering intake answers: receipt XML by default, JSON on `Accept: application/json`."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime
from typing import Any

from declarations.codec import build, new_guid
from declarations.domain.customs_documents import FormatReceipt, Receipt
from declarations.domain.messages import CHINA_STANDARD_TIME
from gateway.intake.answers import FormatAnswer, Problem, ReceiptAnswer

MAX_INFO = 5000
MAX_ECHO = 64 * 1024  # the original message echoed in CEB900, cut so a 4 MiB body is not sent back whole
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def receipt_xml(answer: ReceiptAnswer) -> bytes:
    return answer.xml or build(answer.message_type, list(answer.receipts))


def receipt_json(answer: ReceiptAnswer) -> dict[str, Any]:
    return {"message_type": answer.message_type, "receipts": [_receipt_dict(r) for r in answer.receipts]}


def _receipt_dict(receipt: Receipt) -> dict[str, Any]:
    values = {key: value for key, value in asdict(receipt).items() if value is not None}
    values["return_time"] = _stamp(receipt.return_time)
    return values


def _stamp(at: datetime) -> str:
    return at.astimezone(CHINA_STANDARD_TIME).strftime("%Y%m%d%H%M%S%f")[:17]


def format_info(answer: FormatAnswer) -> str:
    """The violations in one returnInfo of at most MAX_INFO characters: as many whole violations
    as fit, then how many were left out (the JSON answer lists every one the validator reported)."""
    lines = [f"line {v.line} {v.path}: {v.message}" for v in answer.violations]
    text = "; ".join(lines)
    if len(text) <= MAX_INFO:
        return text or "message refused"
    for shown in range(len(lines) - 1, 0, -1):
        head = "; ".join(lines[:shown])
        note = f"; ... and {len(lines) - shown} more (Accept: application/json lists them all)"
        if len(head) + len(note) <= MAX_INFO:
            return head + note
    return _cut(lines[0], MAX_INFO)  # a single violation longer than a returnInfo may be


def format_receipt(answer: FormatAnswer, now: datetime) -> FormatReceipt:
    original = _NOT_XML_CHARS.sub("\ufffd", answer.original[:MAX_ECHO].decode("utf-8", errors="replace"))
    return FormatReceipt(
        guid=new_guid(),
        return_status=answer.return_status,
        return_info=format_info(answer),
        return_time=now,
        ori_cop_msg_id=answer.ori_cop_msg_id or "-",
        ori_message_type=answer.ori_message_type[:15],
        ori_biz_message=original or "-",
    )


def format_xml(answer: FormatAnswer, now: datetime) -> bytes:
    return build("CEB900", [format_receipt(answer, now)])


def format_json(answer: FormatAnswer, now: datetime) -> dict[str, Any]:
    receipt = format_receipt(answer, now)
    return {
        "message_type": "CEB900",
        "return_status": receipt.return_status,
        "return_time": _stamp(receipt.return_time),
        "ori_message_type": receipt.ori_message_type,
        "ori_cop_msg_id": receipt.ori_cop_msg_id,  # as in the XML receipt: "-" when there was none
        "violations": [{"line": v.line, "path": v.path, "message": v.message} for v in answer.violations],
    }


def problem_json(answer: Problem) -> dict[str, Any]:
    return {
        "error": {
            "status": answer.status_code,
            "rule": answer.rule,
            "code": answer.code,
            "message": answer.message,
        }
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
