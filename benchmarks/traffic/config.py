"""What `cebsim generate` is asked for: sizes, flow, output form and the knobs, as one frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import MappingProxyType

from declarations.domain.export_rules import EXPORT_RULES
from declarations.domain.matching_rules import IMPORT_RULES
from declarations.domain.messages import CHINA_STANDARD_TIME

IMPORT_RULE_CODES: Mapping[str, int] = MappingProxyType({rule.id: rule.code for rule in IMPORT_RULES})
EXPORT_RULE_CODES: Mapping[str, int] = MappingProxyType({rule.id: rule.code for rule in EXPORT_RULES})
DEFAULT_START = datetime(2025, 11, 11, 0, 0, tzinfo=CHINA_STANDARD_TIME)  # Singles' Day


class Flow(Enum):
    IMPORT = "import"
    EXPORT = "export"
    MIXED = "mixed"


class OutputFormat(Enum):
    XML = "xml"
    JSONL = "jsonl"


@dataclass(frozen=True, slots=True)
class PartyCounts:
    platforms: int = 2
    ecommerce: int = 3
    payment: int = 2
    logistics: int = 2
    agents: int = 2


@dataclass(frozen=True, slots=True)
class Rates:
    """Per-parcel probabilities. The outcome scenarios (mismatches, limits, off-list, inspection) are
    exclusive and must sum to ≤ 1; duplicates, modifications and out-of-order arrival combine with them."""

    mismatch: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    over_annual: float = 0.0
    over_single: float = 0.0
    off_list: float = 0.0
    inspection: float = 0.0
    duplicates: float = 0.0
    modifications: float = 0.0
    out_of_order: float = 0.0

    def scenarios(self) -> tuple[tuple[str, float], ...]:
        named = [(f"mismatch:{rule}", rate) for rule, rate in sorted(self.mismatch.items())]
        named += [("over_annual", self.over_annual), ("over_single", self.over_single)]
        named += [("off_list", self.off_list), ("inspection", self.inspection)]
        return tuple((name, rate) for name, rate in named if rate > 0)


@dataclass(frozen=True, slots=True)
class GenerateConfig:
    parcels: int
    seed: int
    flow: Flow = Flow.IMPORT
    output: OutputFormat = OutputFormat.XML
    docs_per_message: int = 1
    start: datetime = DEFAULT_START
    sign: bool = True
    sign_only_required: bool = False  # with sign: only the types whose schema requires ds:Signature
    export_share: float = 0.5  # with Flow.MIXED
    key_kinds: str = "mixed"  # rsa | sm2 | mixed (alternating)
    parties: PartyCounts = PartyCounts()
    rates: Rates = Rates()

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise ValueError("; ".join(problems))


def _problems(config: GenerateConfig) -> list[str]:
    problems: list[str] = []
    if config.parcels < 1:
        problems.append("--parcels must be at least 1")
    if not 1 <= config.docs_per_message <= 100:
        problems.append("--docs-per-message must be from 1 to 100 (the spec's limit per message)")
    if config.start.tzinfo is None:
        problems.append("--start needs a time zone (e.g. 2025-11-11T00:00:00+08:00)")
    unknown = sorted(set(config.rates.mismatch) - set(IMPORT_RULE_CODES) - set(EXPORT_RULE_CODES))
    if unknown:
        problems.append(
            f"unknown matching rule(s) {', '.join(unknown)}; rules: {', '.join(IMPORT_RULE_CODES)}"
        )
    if sum(rate for _, rate in config.rates.scenarios()) > 1:
        problems.append("the outcome rates (mismatches, limits, off-list, inspection) add up to more than 1")
    if config.key_kinds not in ("rsa", "sm2", "mixed"):
        problems.append("--key-kinds is rsa, sm2 or mixed")
    return problems


def parse_rate_pairs(pairs: tuple[str, ...]) -> dict[str, float]:
    """`("actural_paid_amount=0.01", "weights=0.002")` → {rule: rate}; ValueError naming a bad pair."""
    rates: dict[str, float] = {}
    for pair in pairs:
        rule, sep, value = pair.partition("=")
        try:
            rates[rule.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not 0 <= rates.get(rule.strip(), -1) <= 1:
            raise ValueError(f"--mismatch takes RULE=RATE with a rate from 0 to 1, not {pair!r}")
    return rates
