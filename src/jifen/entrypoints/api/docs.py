"""``/docs``: the API's interactive documentation, with no inline script.

FastAPI's own page starts Swagger UI from an inline ``<script>``; this one loads the same
start-up from ``/static/swagger-init.js``, so its Content-Security-Policy need only add the
CDN that serves Swagger UI's files, never ``'unsafe-inline'``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

CDN = "https://cdn.jsdelivr.net"
SWAGGER = f"{CDN}/npm/swagger-ui-dist@5"
POLICY = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' {CDN}",
        f"style-src 'self' {CDN}",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jifen API</title>
<link rel="stylesheet" href="{SWAGGER}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{SWAGGER}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    def _docs() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"Content-Security-Policy": POLICY})
