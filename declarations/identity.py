"""Who may send what: enterprise roles, the message types each role may send, and own-code checks.

Pure (standard library only). The gateway identifies the enterprise from its API key, then asks
`authorise` whether that enterprise may send this message with these codes in it (architecture
invariant 6, "no one acts for another"; domain reference §1 and §6).

Each message type lists the (role, code element) pairs that entitle a sender: the sender must hold
the role **and** its own code must stand in that element of every document. A pair with no code
element is a delegation the spec allows: express and postal operators may transmit orders and
payment vouchers for direct purchase on the principals' behalf (海关总署公告2018年第194号).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum


class Role(Enum):
    PLATFORM = "platform"  # 电商平台 (ebpCode)
    ECOMMERCE = "ecommerce"  # 电商企业 (ebcCode)
    PAYMENT = "payment"  # 支付企业 (payCode)
    LOGISTICS = "logistics"  # 物流企业 (logisticsCode)
    AGENT = "agent"  # 申报企业 / customs broker (agentCode)
    OPERATOR = "operator"  # 监管场所经营人 (operatorCode)
    EXPRESS = "express"  # 快件运营人 / 邮政企业: may transmit orders and payments on delegation


Entitlement = tuple[Role, str | None]

_EBP, _EBC, _PAY, _LOG, _AGT, _OPR = (
    "ebpCode",
    "ebcCode",
    "payCode",
    "logisticsCode",
    "agentCode",
    "operatorCode",
)
_LIST_FILERS: tuple[Entitlement, ...] = ((Role.ECOMMERCE, _EBC), (Role.AGENT, _AGT))

ENTITLEMENTS: Mapping[str, tuple[Entitlement, ...]] = {
    # import
    "CEB311": ((Role.PLATFORM, _EBP), (Role.ECOMMERCE, _EBC), (Role.EXPRESS, None)),
    "CEB411": ((Role.PAYMENT, _PAY), (Role.EXPRESS, None)),
    "CEB511": ((Role.LOGISTICS, _LOG),),
    "CEB513": ((Role.LOGISTICS, _LOG),),
    "CEB621": _LIST_FILERS,
    "CEB623": _LIST_FILERS,
    "CEB625": _LIST_FILERS,
    "CEB711": ((Role.OPERATOR, _OPR),),
    # export
    "CEB303": ((Role.PLATFORM, _EBP), (Role.ECOMMERCE, _EBC)),
    "CEB403": ((Role.PAYMENT, _PAY), (Role.ECOMMERCE, _EBC)),
    "CEB505": ((Role.LOGISTICS, _LOG),),
    "CEB507": ((Role.LOGISTICS, _LOG),),
    "CEB509": ((Role.LOGISTICS, _LOG),),
    "CEB603": _LIST_FILERS,
    "CEB605": _LIST_FILERS,
    "CEB607": ((Role.AGENT, _AGT), (Role.LOGISTICS, _LOG)),
    "CEB701": _LIST_FILERS,
    "CEB213": _LIST_FILERS,
    "CEB215": ((Role.OPERATOR, _OPR),),
}


@dataclass(frozen=True, slots=True)
class Enterprise:
    code: str
    name: str
    roles: frozenset[Role]
    dxp_id: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an enterprise may not send this message: the rule, the element and the code to answer."""

    rule: str
    message: str
    path: str = ""
    code: str = "-10101"


def authorise(
    enterprise: Enterprise,
    message_type: str,
    base_transfer: Mapping[str, str | None],
    documents: Sequence[Mapping[str, str | None]],
) -> Refusal | None:
    """None when `enterprise` may send this message; otherwise the first rule it breaks."""
    entitlements = ENTITLEMENTS.get(message_type)
    if entitlements is None:
        return Refusal("message-type", f"{message_type} is sent by customs, not by enterprises")
    if refusal := _check_transfer(enterprise, base_transfer):
        return refusal
    usable = [(role, element) for role, element in entitlements if role in enterprise.roles]
    if not usable:
        roles = "/".join(sorted({role.value for role, _ in entitlements}))
        return Refusal("role", f"{message_type} may be sent only by: {roles}; {enterprise.code} is not one")
    for index, document in enumerate(documents, start=1):
        if not any(element is None or document.get(element) == enterprise.code for _, element in usable):
            return _foreign_code_refusal(enterprise, message_type, index, [e for _, e in usable if e])
    return None


def _check_transfer(enterprise: Enterprise, base_transfer: Mapping[str, str | None]) -> Refusal | None:
    if base_transfer.get("copCode") != enterprise.code:
        return Refusal(
            "own-code",
            f"BaseTransfer.copCode {base_transfer.get('copCode')!r} is not the sender's code "
            f"{enterprise.code!r}",
            path="BaseTransfer/copCode",
            code="-10102",
        )
    if base_transfer.get("dxpId") != enterprise.dxp_id:
        return Refusal(
            "own-code",
            f"BaseTransfer.dxpId {base_transfer.get('dxpId')!r} is not the sender's DXP id",
            path="BaseTransfer/dxpId",
            code="-10102",
        )
    if "senderId" in base_transfer and base_transfer["senderId"] != enterprise.dxp_id:
        return Refusal(
            "own-code",
            f"DxpMsg TransInfo/SenderId {base_transfer['senderId']!r} is not the sender's DXP id",
            path="DxpMsg/TransInfo/SenderId",
            code="-10102",
        )
    return None


def _foreign_code_refusal(
    enterprise: Enterprise, message_type: str, index: int, elements: list[str]
) -> Refusal:
    wanted = " or ".join(elements)
    return Refusal(
        "own-code",
        f"document {index} of {message_type}: {wanted} must be the sender's own code {enterprise.code!r}",
        path=f"document[{index}]/{elements[0]}",
        code="-10102",
    )
