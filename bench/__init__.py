"""Benchmarks of the delivery engine against the Bot API simulator (not tests).

Run each as ``python -m bench.pacing``, ``python -m bench.latency``, ``python -m bench.crash``.
"""
