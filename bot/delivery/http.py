"""The Bot API transport: python-telegram-bot's BaseRequest on aiohttp instead of httpx.

Measured in the pacing benchmark, httpx/httpcore took about 40% of the bot process's CPU
per send (pure-Python HTTP parsing, anyio wrappers, a liveness probe per pooled
connection), which capped one process below 300 msg/s; aiohttp parses in C. Errors map
onto the same telegram.error types HTTPXRequest raises, with the aiohttp exception as
``__cause__`` so that ``limiter.maybe_delivered`` can tell "surely not sent" from "maybe".

Calls without files go as one JSON body (the Bot API takes application/json), not as a
form: aiohttp's FormData and urllib's quoting of every byte of Chinese text took ~10% of
the bot's CPU per delivery in bench.scale. `json_request` wraps parameters that are
already in the Bot API's JSON shape (the outbox's sends, see sender.send_bulk).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

# Wording kept from HTTPXRequest: maybe_delivered() treats it as "not sent".
POOL_TIMEOUT = (
    "Pool timeout: no connection could be opened or taken from the pool in time. "
    "Request was *not* sent to Telegram."
)


JSON_HEADERS = {"Content-Type": "application/json"}


def json_request(payload: dict[str, Any]) -> RequestData:
    """Request data from values already in the Bot API's JSON shape (no files).

    RequestParameter.from_input would convert telegram objects, dates and files; these
    values need none of that. (RequestParameter lives in a private module of
    python-telegram-bot, pinned to 22.x in pyproject; tests/unit/test_requests.py covers it.)
    """
    return RequestData([RequestParameter(k, v, None) for k, v in payload.items()])


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """What aiohttp sends: a multipart form with files, else one JSON body (or nothing)."""
    if request_data is None:
        return None, None
    if request_data.contains_files:
        form = aiohttp.FormData(quote_fields=False)
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mime) in request_data.multipart_data.items():
            form.add_field(name, content, filename=filename or name, content_type=mime)
        return form, None
    payload = request_data.parameters
    if not payload:
        return None, None
    return json.dumps(payload, ensure_ascii=False).encode(), JSON_HEADERS


class AiohttpRequest(BaseRequest):
    """One aiohttp ClientSession with a bounded keep-alive pool, timeouts like PTB's."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT},
                # Telegram answers JSON; nothing here needs cookies.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write_default = self._media_write_timeout if files else self._write_timeout
        write = write_default if isinstance(write_timeout, DefaultValue) else write_timeout
        conn = (
            self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        )
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no separate write timeout: the whole exchange gets write + read.
        total = None if read is None or write is None else read + write
        timeout = aiohttp.ClientTimeout(
            total=total,
            connect=None if conn is None or pool is None else conn + pool,
            sock_connect=conn,
            sock_read=read,
        )
        data, headers = _body(request_data)
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as resp:
                return resp.status, await resp.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut(POOL_TIMEOUT) from err
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
