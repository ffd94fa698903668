"""The parts every enterprise-sent CEB message shares: BaseTransfer, BaseSubscribe, ExtendMessage.

Transcribed from the domain reference §2.1. The two official XSD families disagree on one fact:
import requires a non-empty `copCode` (minLength 1), export does not; `base_transfer(family)` picks.
"""

from dataclasses import replace

from schemas.definition.model import Family
from schemas.definition.model import Field as F  # noqa: N817 - the definition reads as a table
from schemas.definition.model import Group as G  # noqa: N817 - the definition reads as a table

Y, N = True, False

BASE_TRANSFER = G(
    "BaseTransfer",
    1,
    1,
    (
        F("copCode", "C1..18", Y, "Code of the enterprise transmitting the message"),
        F("copName", "C..100", Y, "Name of the transmitting enterprise"),
        F("dxpMode", "C3", Y, "Transport mode; default DXP"),
        F("dxpId", "C..30", Y, "Transmitting enterprise's DXP user id on the e-port exchange platform"),
        F("note", "C..1000", N),
    ),
)

BASE_TRANSFER_EXPORT = replace(
    BASE_TRANSFER,
    children=(
        F("copCode", "C..18", Y, "Code of the enterprise transmitting the message"),
        *BASE_TRANSFER.children[1:],
    ),
)


def base_transfer(family: Family) -> G:
    """The BaseTransfer of a message family (they differ in `copCode`'s minLength)."""
    return BASE_TRANSFER if family is Family.IMPORT else BASE_TRANSFER_EXPORT


BASE_SUBSCRIBE = G(
    "BaseSubscribe",
    0,
    5,
    (
        F("status", "C..100", Y, "Subscription type: ALL=data+receipts, DATA=data only, RET=receipts only"),
        F("dxpMode", "C3", Y, "Transport mode; default DXP"),
        F("dxpAddress", "C..100", Y, "Subscriber DXP address (user id)"),
        F("note", "C..1000", N),
    ),
)

# ExtendMessage/Message holds any XML; the XSD writer declares it as such.
EXTEND_MESSAGE = G(
    "ExtendMessage",
    0,
    1,
    (
        F("name", "C..30", Y, "Extension name"),
        F("version", "C..30", Y, "Extension version"),
    ),
)
