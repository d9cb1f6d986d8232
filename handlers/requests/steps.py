"""The 诉求 forms' closing step; the helper now lives in the kit (handlers.shape)."""

from __future__ import annotations

from handlers.shape import closing_form

__all__ = ["closing_form"]
