"""Helpers of the end-to-end benchmarks: simulator subprocesses, generated traffic, replays, raw ceilings."""
