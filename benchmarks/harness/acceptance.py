"""The gateway's acceptance in this process, without HTTP, on Kafka and PostgreSQL.

    accept_all(traffic, kafka=..., db=...) -> figures

The runtime is `gateway.runtime.build_runtime` on the settings of `cebsim serve --bus kafka`
(CEBSIM_PIPELINE=false, CEBSIM_REQUIRE_SIGNATURES=false, as `processes.simulator_env`), started
and stopped as the app's lifespan does. Two phases, timed apart:

1. the checks, `IntakeService.check(body, api_key)` (parse, XSD, API key, authorisation,
   signature), one message after another on this thread: what the HTTP route does before it
   hands a message on;
2. the acceptance alone: every admitted message handed to `IntakeService.accept` (the `Acceptor`)
   at once, its one writer storing and publishing them (acks=all) in batches of up to 256, until
   the last future is done. Every message arrives before the first batch is written: the
   acceptor's best case, batches always full.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import Future
from typing import Any

from benchmarks.traffic.source import Traffic
from gateway.intake.acceptor import Outcome
from gateway.intake.service import Admitted, IntakeService
from gateway.runtime import build_runtime
from gateway.settings import Settings

ACCEPT_TIMEOUT_S = 600


def accept_all(loaded: Traffic, *, kafka: str, db: str) -> dict[str, Any]:
    """Check then accept every message of `loaded`; the figures of both phases and what was refused."""
    settings = Settings(bus="kafka", kafka=kafka, db=db, pipeline=False, require_signatures=False)
    runtime = build_runtime(settings)
    runtime.start()
    try:
        started = time.perf_counter()
        checked = [runtime.intake.check(m.body, loaded.keys[m.sender]) for m in loaded.messages]
        checks_s = time.perf_counter() - started
        admitted = [answer for answer in checked if isinstance(answer, Admitted)]
        started = time.perf_counter()
        outcomes = _accepted(runtime.intake, admitted)
        accept_s = time.perf_counter() - started
    finally:
        runtime.stop()
    refused: Counter[str] = Counter(
        f"http:{answer.status_code}" for answer in checked if not isinstance(answer, Admitted)
    )  # refused by the checks: the HTTP status the route would answer; by the acceptor: the receipt's
    refused.update(o.receipt.return_status for o in outcomes if not o.accepted)
    messages = len(loaded.messages)
    return {
        "messages": messages,
        "documents": len(outcomes),
        "accepted": sum(1 for o in outcomes if o.accepted),
        "refused": dict(sorted(refused.items())),
        "checks_s": round(checks_s, 3),
        "checks_messages_per_s": round(messages / checks_s, 1),
        "accept_s": round(accept_s, 3),
        "accept_messages_per_s": round(len(admitted) / accept_s, 1),
    }


def _accepted(intake: IntakeService, admitted: list[Admitted]) -> list[Outcome]:
    futures: list[Future[list[Outcome]]] = [intake.accept(message) for message in admitted]
    return [outcome for future in futures for outcome in future.result(timeout=ACCEPT_TIMEOUT_S)]
