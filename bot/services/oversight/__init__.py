"""Oversight (党组织运行情况评估和监测预警): calendar, health, terms, reviews, digest.

A module per flow; each function takes a session and an explicit `now`, returns data,
and fans out through the outbox with a `compose` given by the caller.
"""
