"""The headers of a webhook delivery; the signature is HMAC-SHA256 of the body with the webhook's secret.

A receiver checks it with `hmac.compare_digest(header, "sha256=" + hmac_sha256(secret, body).hex())`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE = "X-Cebsim-Signature"
TIMESTAMP = "X-Cebsim-Timestamp"
DELIVERY = "X-Cebsim-Delivery"
RECEIPT_CURSOR = "X-Cebsim-Receipt-Cursor"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, body), header)


def delivery_headers(
    secret: str, body: bytes, delivery_id: int, cursor: int, now: datetime
) -> dict[str, str]:
    return {
        "Content-Type": "application/xml",
        SIGNATURE: signature(secret, body),
        TIMESTAMP: str(int(now.timestamp())),
        DELIVERY: str(delivery_id),
        RECEIPT_CURSOR: str(cursor),
        "User-Agent": "cebsim-webhooks/0.1",
    }
