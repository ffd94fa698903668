"""The gateway's settings: read once at the entry point (`cebsim serve`), frozen, passed down.

Every setting can come from a `CEBSIM_`-prefixed environment variable (`CEBSIM_DB=...`) or from
the command line, which wins.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CEBSIM_", frozen=True, extra="forbid")

    bus: Literal["memory", "kafka"] = "memory"
    kafka: str = "127.0.0.1:9092"
    db: str = "sqlite:///var/cebsim.db"
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 4 * 1024 * 1024
    partitions: int = 6  # per topic, created by the application
    # how long a stage's Kafka fetch waits for 64 KiB of records: fewer, larger batches (less CPU)
    # for at most this much more latency per stage (declarations.bus.kafka)
    kafka_gather_ms: int = Field(default=20, ge=0, le=500)
    # how long a publish waits for the broker's acknowledgement (acks=all) before giving up: the
    # gateway then answers 503 + Retry-After, a stage retries its batch
    kafka_ack_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # how long `cebsim serve` keeps trying a database or broker it cannot reach at start-up (a
    # stack started all at once), before it gives up with one line; 0: give up at once
    startup_wait_s: float = Field(default=60.0, ge=0, le=3600)
    pipeline: bool | None = (
        None  # run the clearance stages in this process (default: when the bus is embedded)
    )
    require_signatures: bool = True  # appStatus=2 must be signed; `make run` turns it off for demo traffic
