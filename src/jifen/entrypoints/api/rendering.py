"""Small response helpers shared by routers."""

from __future__ import annotations

from fastapi import Response


def replayed_header(response: Response, replayed: bool) -> None:
    """Tell the client when an Idempotency-Key replayed the first response."""
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
