"""Paced offset commits: a consumer's position committed at most once a second, not per batch.

For consumers whose stored effects make a record that comes twice harmless (the stage shell's
stored offsets, the recorder's unique rows): committing late then costs at most a replay of the
records since the last commit, which they skip, and saves a round trip per batch when a batch
holds only a record or two. The stage shell's docstring places the commit in its order of work.
"""

from __future__ import annotations

import contextlib
import time

from declarations.bus.port import BusConsumer
from declarations.errors import DependencyError

COMMIT_EVERY_S = 1.0  # the consumer's position is committed at most this often (see above)


class PacedCommits:
    """Commits a consumer at most every COMMIT_EVERY_S, and whenever `flush` is called.

    Only for a stage to which a record that comes twice is harmless (stored offsets, unique rows):
    a crash or a rewind then replays at most the records since the last commit.
    """

    def __init__(self) -> None:
        self._uncommitted = False  # batches processed since the last commit
        self._committed_at = 0.0  # time.monotonic() of that commit

    def processed(self, consumer: BusConsumer) -> None:
        """A batch's effects are persisted: commit if the last commit is old enough."""
        self._uncommitted = True
        if time.monotonic() - self._committed_at >= COMMIT_EVERY_S:
            self.flush(consumer)

    def flush(self, consumer: BusConsumer) -> None:
        """Commit now if a batch was processed since the last commit."""
        if self._uncommitted:
            consumer.commit()
            self._uncommitted = False
            self._committed_at = time.monotonic()

    def close(self, consumer: BusConsumer) -> None:
        with contextlib.suppress(DependencyError):  # what comes again is harmless (see above)
            self.flush(consumer)
