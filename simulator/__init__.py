"""A local stand-in for the Telegram Bot API, served over real HTTP on 127.0.0.1.

Run the real python-telegram-bot Application against ``sim.base_url``; every call is validated
against the bundled Bot API spec (violations are collected in ``sim.violations``). Tests then act
as people (``sim.user(...)``: send text, press inline buttons, block the bot) and read what each
person sees (``user.chat``, ``user.last``, ``user.transcript()``), with rate limits and faults.
"""

from simulator.html import HtmlParseError, parse_html
from simulator.limits import Chaos, Fault, Faults, RateLimits
from simulator.people import Alert, SimChat, SimFile, SimGroup, SimMessage, SimUser
from simulator.server import ApiError, BotAPISimulator, CallRecord

__all__ = [
    "Alert",
    "ApiError",
    "BotAPISimulator",
    "CallRecord",
    "Chaos",
    "Fault",
    "Faults",
    "HtmlParseError",
    "RateLimits",
    "SimChat",
    "SimFile",
    "SimGroup",
    "SimMessage",
    "SimUser",
    "parse_html",
]
