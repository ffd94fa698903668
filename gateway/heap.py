"""Keep the garbage collector's full passes off the request path of a long-running process.

A started gateway holds ~120k container objects that live as long as the process (modules, FastAPI
routes, SQLAlchemy tables, schema wrappers). CPython's full (generation 2) collection walks all of
them: 70-100 ms on this machine, during which every request in flight waits (more than the 50 ms
the peak benchmark allows its p99 acceptance latency). `gc.freeze()` moves what exists after start-up
into a permanent generation that collections skip; objects made later are collected as usual.
A frozen object that later becomes cyclic garbage is never freed, which is why only the process
entry points call this, once, after building what lives for the whole process.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    gc.collect()  # what is garbage now would otherwise be frozen with the rest
    gc.freeze()
