"""The DxpMsg/DxpRep envelope: hand-made documents and their mutants get the official verdict."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from lxml import etree

from schemas.loader import validate
from tests.conformance.mutation import mutate
from tests.conformance.oracle import official_valid

pytestmark = pytest.mark.conformance

DXP = "http://www.chinaport.gov.cn/dxp"
SCHEMA = "dxp-terminal.xsd"


def dxp_msg(
    *,
    ver: str = "1.0",
    msg_id: str | None = None,
    receivers: int = 1,
    creat_time: str = "2024-05-01T10:00:00",
    data: str = base64.b64encode(b"<CEB311Message/>").decode(),
    add_info: str = "",
) -> bytes:
    ident = f' Id="{msg_id}"' if msg_id is not None else ""
    receiver_ids = "".join(f"<ReceiverId>DXPEDCCEB000000{n}</ReceiverId>" for n in range(receivers))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><DxpMsg xmlns="{DXP}" ver="{ver}"{ident}>'
        f"<TransInfo><CopMsgId>4f1c2e40-0000-4000-8000-000000000001</CopMsgId>"
        f"<SenderId>DXPENTTEST510001</SenderId><ReceiverIds>{receiver_ids}</ReceiverIds>"
        f"<CreatTime>{creat_time}</CreatTime><MsgType>CEB311Message</MsgType></TransInfo>"
        f"<Data>{data}</Data>{add_info}</DxpMsg>"
    ).encode()


FULL_ADD_INFO = (
    "<AddInfo><FileName>order.xml</FileName><IcCard>1234567890123</IcCard>"
    '<BizKey><Key name="DealFlag">1</Key><Key name="RetType">2</Key></BizKey>'
    '<IsText Encode="UTF-8"/><RecMapId>x</RecMapId></AddInfo>'
)

DXP_REP = (
    f'<DxpRep xmlns="{DXP}" ver="1.0"><RecevierId>DXPENTTEST510001</RecevierId>'
    "<Response><ResponseCode>0</ResponseCode><ResponseInfo>ok</ResponseInfo>"
    "<Results><Result><RecId>DXPEDCCEB0000002</RecId><Code>0</Code></Result></Results>"
    "<NoticeTime>2024-05-01</NoticeTime><OriHead><CopMsgId>1</CopMsgId><SenderId>S</SenderId>"
    "<ReceiverIds><ReceiverId>R</ReceiverId></ReceiverIds><CreatTime>2024-05-01T10:00:00</CreatTime>"
    "<MsgType>CEB311Message</MsgType></OriHead></Response></DxpRep>"
).encode()

CASES = {
    "minimal": (dxp_msg(), True),
    "with every AddInfo part and an Id": (dxp_msg(msg_id="msg1", add_info=FULL_ADD_INFO), True),
    "five receivers": (dxp_msg(receivers=5), True),
    "six receivers": (dxp_msg(receivers=6), False),
    "no receiver": (dxp_msg(receivers=0), False),
    "ver is fixed to 1.0": (dxp_msg(ver="2.0"), False),
    "Id must be an NCName": (dxp_msg(msg_id="123"), False),
    "CreatTime is xs:dateTime": (dxp_msg(creat_time="20240501100000"), False),
    "Data is base64": (dxp_msg(data="not base64!"), False),
    "AddInfo out of order": (
        dxp_msg(add_info="<AddInfo><IcCard>1</IcCard><FileName>f</FileName></AddInfo>"),
        False,
    ),
    "IsText needs Encode": (dxp_msg(add_info="<AddInfo><IsText/></AddInfo>"), False),
    "Key name at most 32": (
        dxp_msg(add_info=f'<AddInfo><BizKey><Key name="{"k" * 33}">1</Key></BizKey></AddInfo>'),
        False,
    ),
    "DxpRep": (DXP_REP, True),
}


@pytest.mark.parametrize("name", CASES)
def test_hand_made_envelope_gets_the_expected_and_official_verdict(official_dir: Path, name: str) -> None:
    data, expected = CASES[name]
    verdict = validate(data)
    assert verdict.valid is expected, verdict.violations
    assert official_valid(official_dir, SCHEMA, data) is expected
    assert verdict.message_type == ("DxpRep" if name == "DxpRep" else "DxpMsg")


def test_mutants_of_the_envelope_get_the_official_verdict(official_dir: Path) -> None:
    rng = random.Random(7)
    originals = [etree.fromstring(dxp_msg(msg_id="m1", add_info=FULL_ADD_INFO)), etree.fromstring(DXP_REP)]
    disagreements = []
    for index in range(300):
        mutant, operators = mutate(originals[index % 2], rng)
        data = etree.tostring(mutant, encoding="UTF-8", xml_declaration=True)
        ours, official = validate(data).valid, official_valid(official_dir, SCHEMA, data)
        if ours != official:
            disagreements.append(f"#{index} {operators}: ours={ours} official={official}")
    assert disagreements == []
