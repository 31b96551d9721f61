"""The built web app at ``/``: files from ``web/dist`` without sign-in, unknown paths → ``index.html``.

Paths under ``/api/`` are never answered from here, so every API path stays behind authentication.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response

__all__ = ["default_web_dist", "mount_spa"]


def default_web_dist() -> Path:
    return Path(__file__).resolve().parents[3] / "web" / "dist"


def mount_spa(app: FastAPI, dist: Path) -> bool:
    """Serve ``dist`` if it holds an ``index.html``; returns whether it was mounted."""
    root = dist.resolve()
    index = root / "index.html"
    if not index.is_file():
        return False

    @app.get("/{path:path}", include_in_schema=False)
    def web_app(path: str) -> Response:
        if path == "api" or path.startswith("api/"):
            return JSONResponse({"detail": f"no API route /{path}; see /api/docs"}, status_code=404)
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            cache = "public, max-age=31536000, immutable" if "/assets/" in f"/{path}" else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return True
