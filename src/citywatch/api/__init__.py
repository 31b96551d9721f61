"""The HTTP API: a thin layer mapping requests to the domain services (see ``create_app``)."""

from citywatch.api.app import create_app
from citywatch.api.context import ApiContext

__all__ = ["ApiContext", "create_app"]
