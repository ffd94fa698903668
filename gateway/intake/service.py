"""Intake, step by step, as the gateway issue orders it. Every refusal is a value (`answers`).

    size and content type ─► safe parse ─► (DxpMsg: validate, unwrap) ─► XSD validation
      ─► identity (API key) ─► decode records ─► authorisation (roles, own codes)
      ─► XML-DSig (certificate registered to the sender) ─► acceptor (versions, durable accept)

Nothing is stored before the acceptor, and the acceptor stores a batch whole or not at all.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from lxml import etree

from declarations.acceptance import receipt_for
from declarations.clock import Clock
from declarations.codec import CodecError, parse_message
from declarations.domain.messages import CebMessage
from declarations.errors import DependencyError, StoreRefusedError
from declarations.identity import Enterprise, Refusal, authorise
from declarations.intake import KINDS, codes_of, facts, receipt_type
from declarations.store.enterprises import EnterpriseRegistry
from gateway.intake.acceptor import Acceptor, Outcome
from gateway.intake.answers import NOT_XML, SCHEMA_INVALID, Answer, FormatAnswer, Problem, ReceiptAnswer
from gateway.intake.code_lists import code_list_violations
from gateway.intake.envelope import EnvelopeError, cop_msg_id, is_dxp, mismatched_type, sender_id, unwrap
from gateway.intake.locate import line_of
from gateway.recent import ApiKeys, Recent
from gateway.signature import SignatureCheck, verify_message
from schemas.loader import SchemaRegistry, Violation
from schemas.safe_xml import Limits, XmlInputError, parse

# business-level codes for signature failures where the spec names one (domain §6, §4.7)
SIGNATURE_CODES = {"CEB621": "-621029", "CEB623": "-623029", "CEB625": "-625208"}
DECLARE = "2"


@dataclass(frozen=True, slots=True)
class IntakePolicy:
    require_signatures: bool = True  # appStatus=2 must be signed; relaxed only for demo traffic
    max_body_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Admitted:
    """A message that passed every check: what the acceptor stores.

    `raw` is the received document bytes (unwrapped from a DxpMsg) when the message carries one
    document: it is stored and published as it came, instead of re-serialising the record.
    """

    enterprise: Enterprise
    message: CebMessage
    raw: bytes | None


@dataclass
class _Parsed:
    root: etree._Element
    original: bytes
    cop_msg_id: str
    sender_id: str | None = None  # a DxpMsg's TransInfo/SenderId


class IntakeService:
    def __init__(
        self,
        registry: EnterpriseRegistry,
        acceptor: Acceptor,
        schemas: SchemaRegistry,
        clock: Clock,
        policy: IntakePolicy,
        *,
        keys: ApiKeys,
    ) -> None:
        self._registry = registry
        self._acceptor = acceptor
        self._schemas = schemas
        self._clock = clock
        self._policy = policy
        self._limits = Limits(max_bytes=policy.max_body_bytes)
        self._keys = keys
        self._owners: Recent[str] = Recent(keep_missing=False)  # certificate fingerprint → owner

    def check(self, body: bytes, api_key: str | None) -> Answer | Admitted:
        """Every step before the acceptor: a refusal (an `Answer`), or the message to accept."""
        parsed = self._parse(body)
        if not isinstance(parsed, _Parsed):
            return parsed
        verdict = self._schemas.validate_tree(parsed.root)
        if not verdict.valid:
            return _format(SCHEMA_INVALID, verdict.message_type, parsed, verdict.violations)
        enterprise = self._enterprise(api_key)
        if not isinstance(enterprise, Enterprise):
            return enterprise
        message = _decoded(parsed, verdict.message_type)
        if not isinstance(message, CebMessage):
            return message
        refusal = self._checked(enterprise, message, parsed)
        if refusal is not None:
            return refusal
        raw = parsed.original if len(message.documents) == 1 else None
        return Admitted(enterprise, message, raw)

    def _enterprise(self, api_key: str | None) -> Enterprise | Answer:
        try:
            enterprise = self._keys.get(api_key) if api_key else None
        except DependencyError as exc:
            return Problem(503, "dependency", str(exc), headers={"Retry-After": str(exc.retry_after_s)})
        if enterprise is None:
            rule = "api-key" if api_key else "api-key-missing"
            return Problem(
                401,
                rule,
                "a valid `Authorization: Bearer <api key>` is required",
                headers={"WWW-Authenticate": 'Bearer realm="cebsim"'},
            )
        return enterprise

    def forget_certificates(self, code: str | None = None) -> None:
        """Look up again which certificates are `code`'s (one was just removed here), or everyone's
        (the registry changed: `gateway.recent.RegistryWatch`)."""
        self._owners.forget(lambda owner: code is None or owner == code)

    def accept(self, admitted: Admitted) -> Future[list[Outcome]]:
        """Hand the message to the acceptor; the future is done once its batch is durable (or failed)."""
        return self._acceptor.submit(admitted.enterprise, admitted.message, admitted.raw)

    @staticmethod
    def answer(admitted: Admitted, accepted: Future[list[Outcome]]) -> Answer:
        """The answer to an accepted message once its future is done: receipts, 503, or 500."""
        error = accepted.exception(timeout=0)
        if isinstance(error, DependencyError):
            return Problem(503, "dependency", str(error), headers={"Retry-After": str(error.retry_after_s)})
        if isinstance(error, StoreRefusedError):
            return Problem(500, "store-refused", str(error))
        if error is not None:
            raise error
        return _accepted(admitted.message, accepted.result(timeout=0))

    def _parse(self, body: bytes) -> _Parsed | Answer:
        try:
            root = parse(body, self._limits)
        except XmlInputError as exc:
            return _format(
                NOT_XML,
                None,
                _Parsed(etree.Element("none"), body, ""),
                (Violation(exc.line, "/", f"{exc.reason}: {exc.message}"),),
            )
        if not is_dxp(root):
            return _Parsed(root, body, "")
        return self._unwrapped(root, body)

    def _unwrapped(self, root: etree._Element, body: bytes) -> _Parsed | Answer:
        """The CEB message a DxpMsg carries, or a CEB900 naming what is wrong with the envelope."""
        envelope = _Parsed(root, body, cop_msg_id(root))
        verdict = self._schemas.validate_tree(root)
        if not verdict.valid:
            return _format(SCHEMA_INVALID, "DxpMsg", envelope, verdict.violations)
        try:
            inner = unwrap(root)
            carried = _Parsed(parse(inner, self._limits), inner, envelope.cop_msg_id, sender_id(root))
        except EnvelopeError as exc:
            return _format(SCHEMA_INVALID, "DxpMsg", envelope, (Violation(exc.line, exc.path, exc.message),))
        except XmlInputError as exc:
            return _format(
                NOT_XML, "DxpMsg", envelope, (Violation(exc.line, "/dxp:DxpMsg/dxp:Data", exc.message),)
            )
        mismatch = mismatched_type(root, carried.root)
        return carried if mismatch is None else _format(SCHEMA_INVALID, "DxpMsg", envelope, (mismatch,))

    def _checked(self, enterprise: Enterprise, message: CebMessage, parsed: _Parsed) -> Answer | None:
        transfer = message.base_transfer
        base = {
            "copCode": transfer.cop_code if transfer else None,
            "dxpId": transfer.dxp_id if transfer else None,
        }
        if parsed.sender_id is not None:
            base["senderId"] = parsed.sender_id
        refusal = authorise(enterprise, message.message_type, base, [codes_of(d) for d in message.documents])
        if refusal is not None:
            return _refused(message, refusal, self._clock, parsed.root)
        if refusal := self._signature(enterprise, message, parsed.root):
            return _refused(message, refusal, self._clock, parsed.root)
        return None

    def _signature(self, enterprise: Enterprise, message: CebMessage, root: etree._Element) -> Refusal | None:
        check = verify_message(root, now=self._clock.now())
        code = SIGNATURE_CODES.get(message.message_type)
        if not check.present:
            declared = any(facts(message.message_type, d).app_status == DECLARE for d in message.documents)
            if declared and self._policy.require_signatures:
                return Refusal(
                    "signature:1001",
                    "appStatus=2 (申报) requires a signature (ds:Signature)",
                    "ds:Signature",
                    code or "-1001",
                )
            return None
        if not check.valid:
            return Refusal(
                f"signature:{check.code or '1001'}",
                f"签名验证失败: {check.failure}",
                "ds:Signature",
                code or f"-{check.code or '1001'}",
            )
        return self._certificate(enterprise, check, code)

    def _certificate(self, enterprise: Enterprise, check: SignatureCheck, code: str | None) -> Refusal | None:
        fingerprint = check.certificate_fingerprint or ""
        owner = self._owners.get(fingerprint, lambda: self._registry.certificate_owner(fingerprint))
        if owner == enterprise.code:
            return None
        reason = "is not registered" if owner is None else "is registered to another enterprise"
        return Refusal(
            "signature:1001",
            f"签名证书[{check.certificate_serial}] {reason}",
            "ds:Signature/ds:KeyInfo",
            code or "-1001",
        )


def _decoded(parsed: _Parsed, message_type: str | None) -> CebMessage | Answer:
    """The valid message's values, or a CEB900 for what the XSD lets through: a value its type
    cannot hold, a code outside the spec's lists (`code_lists`)."""
    try:
        message = parse_message(parsed.root)
    except CodecError as exc:
        violation = Violation(getattr(exc, "line", None) or 0, getattr(exc, "path", ""), str(exc))
        return _format(SCHEMA_INVALID, message_type, parsed, (violation,))
    if coded := code_list_violations(parsed.root):
        return _format(SCHEMA_INVALID, message_type, parsed, coded)
    return message


def _format(
    status: str, message_type: str | None, parsed: _Parsed, violations: tuple[Violation, ...]
) -> Answer:
    return FormatAnswer(
        status,
        f"{message_type}Message"
        if message_type and message_type.startswith("CEB")
        else (message_type or "Unknown"),
        parsed.cop_msg_id,
        violations,
        parsed.original,
    )


def _refused(message: CebMessage, refusal: Refusal, clock: Clock, root: etree._Element) -> Answer:
    """403: every document answered with the refusal's code, and a returnInfo naming the element
    (its path and line in the message received) and the rule (also in `X-Cebsim-Rule`)."""
    headers = {"X-Cebsim-Rule": refusal.rule}
    if message.message_type not in KINDS:
        # customs-sent types (receipts, CEB816/818/792, CEB900) have no receipt to answer them with
        return Problem(403, refusal.rule, refusal.message, code=refusal.code, headers=headers)
    now = clock.now()
    line = line_of(root, refusal.path) if refusal.path else None
    where = [refusal.path] if refusal.path else []
    where += [f"line {line}"] if line is not None else []
    info = f"{refusal.message} [{', '.join([*where, f'rule {refusal.rule}'])}]"
    receipts = tuple(
        receipt_for(facts(message.message_type, document), refusal.code, info[:1000], now)
        for document in message.documents
    )
    return ReceiptAnswer(403, receipt_type(message.message_type), receipts, headers=headers)


def _accepted(message: CebMessage, outcomes: list[Outcome]) -> Answer:
    status = 202 if any(o.accepted or o.replayed for o in outcomes) else 409
    xml = outcomes[0].xml if len(outcomes) == 1 else None  # several: one message with them all
    return ReceiptAnswer(
        status, receipt_type(message.message_type), tuple(o.receipt for o in outcomes), xml=xml
    )
