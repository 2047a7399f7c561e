"""``/docs``: the API's interactive documentation, served from this server alone.

FastAPI's own page fetches Swagger UI from a CDN and starts it from an inline
``<script>``. This one serves Swagger UI's files from the ``fastapi-offline`` package
(under ``/docs/assets``) and starts it from ``/static/swagger-init.js``, so the page
works without the internet and the site's Content-Security-Policy (``'self'`` only, no
``'unsafe-inline'``) applies to it unchanged.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jifen API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    swagger = files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(swagger)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def _docs() -> HTMLResponse:
        return HTMLResponse(PAGE)
