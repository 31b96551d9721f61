"""``/api/docs`` and ``/api/openapi.json`` behind sign-in, rendered here with no external assets.

FastAPI's default page loads Swagger UI from a CDN; a control room may have no internet and must
not leak which pages its operators open, so the reference is a plain HTML rendering of the
OpenAPI document: every path, method, summary, parameter and status.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from citywatch.api.deps import CurrentPrincipal

__all__ = ["install_docs"]


def _render(spec: dict[str, Any]) -> str:
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(spec['info']['title'])} API</title>",
        "<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}code{background:#eee;padding:0 .3em}"
        "h2{border-top:1px solid #ccc;padding-top:.6em}td,th{text-align:left;padding:.1em .6em}"
        ".m{font-weight:bold;text-transform:uppercase;width:5em;display:inline-block}</style></head><body>",
        f"<h1>{esc(spec['info']['title'])} {esc(spec['info']['version'])} — API</h1>",
        "<p>Times are ISO 8601 UTC. Send the session cookie (with <code>X-CSRF-Token</code> on changes) or "
        "<code>Authorization: Bearer …</code>. The machine-readable document is "
        "<a href='/api/openapi.json'>/api/openapi.json</a>.</p>",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            by_tag.setdefault((op.get("tags") or ["other"])[0], []).append((path, method, op))
    for tag in sorted(by_tag):
        parts.append(f"<h2>{esc(tag)}</h2>")
        for path, method, op in sorted(by_tag[tag]):
            parts.append(f"<h3><span class='m'>{esc(method)}</span> <code>{esc(path)}</code></h3>")
            if op.get("description") or op.get("summary"):
                parts.append(f"<p>{esc(op.get('description') or op.get('summary', ''))}</p>")
            params = op.get("parameters", [])
            if params:
                rows = "".join(
                    f"<tr><td><code>{esc(p['name'])}</code></td><td>{esc(p['in'])}</td>"
                    f"<td>{'required' if p.get('required') else ''}</td></tr>"
                    for p in params
                )
                parts.append(f"<table>{rows}</table>")
            codes = ", ".join(sorted(op.get("responses", {})))
            parts.append(f"<p>Answers: {esc(codes)}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def install_docs(app: FastAPI) -> None:
    router = APIRouter(include_in_schema=False)

    @router.get("/api/openapi.json")
    def openapi(principal: CurrentPrincipal, request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @router.get("/api/docs")
    def docs(principal: CurrentPrincipal, request: Request) -> HTMLResponse:
        return HTMLResponse(_render(request.app.openapi()))

    app.include_router(router)
