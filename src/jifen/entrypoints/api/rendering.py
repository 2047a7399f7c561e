"""Small response helpers shared by routers."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def replayed_header(response: Response, replayed: bool) -> None:
    """Tell the client when an Idempotency-Key replayed the first response."""
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


def rendered(model: BaseModel, status_code: int, *, replayed: bool) -> Response:
    """``model`` as the response body, serialised once.

    A hot endpoint returns this instead of the model: FastAPI would otherwise validate
    the model again against ``response_model`` before serialising it. ``response_model``
    stays on the route for the OpenAPI schema.
    """
    response = Response(model.model_dump_json(), status_code, media_type="application/json")
    replayed_header(response, replayed)
    return response
