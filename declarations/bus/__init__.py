"""The message bus: one port (`Bus`), an in-process adapter and a Kafka adapter.

Topics are named `cebsim.<entity>.<fact>`. Keys decide partitions, so that everything one stage
must see together lands in one partition (orderNo for matching, the buyer for the ledger, the
merge key for consolidation).
"""

from declarations.bus.port import Bus, BusConsumer, BusRecord

__all__ = ["Bus", "BusConsumer", "BusRecord"]
