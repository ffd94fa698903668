"""The clearance pipeline: the stages, each on a thread of its own, over one bus and one database.

Embedded mode (`cebsim serve`) runs every stage in the gateway's process; distributed mode runs
one stage per `cebsim worker STAGE` process, scaled out through the bus's consumer groups.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy as sa

from declarations.bus.port import Bus
from declarations.clock import Clock
from declarations.domain.matching_rules import MatchPolicy
from declarations.domain.review import ReviewPolicy
from declarations.errors import DependencyError
from declarations.stages.matching import MatchingLogic
from declarations.stages.receipt_events import RECEIPTS_TOPIC
from declarations.stages.recorder import Recorder
from declarations.stages.review import ReviewLogic, default_policy
from declarations.stages.shell import StageShell, stage_group

log = logging.getLogger(__name__)

STAGES = ("matching", "review", "recorder")
# each stage's consumer group and the topics it reads (the gateway reports their lag in /metrics)
CONSUMER_GROUPS: dict[str, tuple[str, ...]] = {
    stage_group(MatchingLogic.name): MatchingLogic.topics,
    stage_group(ReviewLogic.name): ReviewLogic.topics,
    stage_group(Recorder.name): (RECEIPTS_TOPIC,),
}


class Runnable(Protocol):
    name: str

    def start(self) -> None: ...

    def run(self, stop: threading.Event) -> None: ...

    def close(self) -> None: ...


@dataclass
class PipelinePolicy:
    match: MatchPolicy = field(default_factory=MatchPolicy)
    review: ReviewPolicy | None = None  # None: the example tables shipped in declarations/domain/data


class _Shell:
    """A StageShell as a Runnable with a name."""

    def __init__(self, shell: StageShell) -> None:
        self._shell = shell
        self.name = shell.logic.name

    def start(self) -> None:
        self._shell.start()

    def run(self, stop: threading.Event) -> None:
        self._shell.run(stop)

    def close(self) -> None:
        self._shell.close()


def build_stage(
    name: str, engine: sa.Engine, bus: Bus, clock: Clock, policy: PipelinePolicy, *, partitions: int = 6
) -> Runnable:
    if name == "matching":
        return _Shell(StageShell(MatchingLogic(policy.match), engine, bus, clock, partitions=partitions))
    if name == "review":
        logic = ReviewLogic(policy.review or default_policy())
        return _Shell(StageShell(logic, engine, bus, clock, partitions=partitions))
    if name == "recorder":
        return Recorder(engine, bus, clock, partitions=partitions)
    raise ValueError(f"unknown stage {name!r}; stages are: {', '.join(STAGES)}")


class Pipeline:
    def __init__(self, stages: list[Runnable]) -> None:
        self._stages = stages
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for stage in self._stages:
            thread = threading.Thread(
                target=self._run, args=(stage,), name=f"cebsim-{stage.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _run(self, stage: Runnable) -> None:
        """Start the stage (retrying while the bus or the database is down), then run it until stopped."""
        while not self._stop.is_set():
            try:
                stage.start()
                break
            except DependencyError as exc:
                log.warning("stage %s cannot start yet: %s", stage.name, exc)
                self._stop.wait(min(exc.retry_after_s, 2.0))
        try:
            stage.run(self._stop)
        except Exception:
            log.exception("stage %s stopped on an unexpected error", stage.name)
            raise

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        for stage in self._stages:
            stage.close()
