"""The MOPAC 7 mapping: which MPS major/minor categories make up each of the seven, per scheme.

The mapping is data (``mopac7.toml`` beside this module), overridable by a TOML or JSON file of the
same layout. Matching is case-insensitive; a (major, minor) pair matching two categories is an error.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from citywatch.crime.errors import MappingError

__all__ = ["MOPAC7", "SCHEMES", "CategoryRule", "Mopac7Mapping", "load_mapping"]

MOPAC7: tuple[str, ...] = (
    "Burglary",
    "Criminal Damage",
    "Robbery",
    "Theft from the Person",
    "Theft from a Motor Vehicle",
    "Theft of a Motor Vehicle",
    "Violence with Injury",
)
SCHEMES: tuple[str, ...] = ("old", "new")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class CategoryRule:
    category: str
    major: str | None
    minor: str | None

    def matches(self, major: str, minor: str) -> bool:
        if self.major is not None and _norm(self.major) != _norm(major):
            return False
        return self.minor is None or _norm(self.minor) == _norm(minor)


@dataclass(frozen=True)
class Mopac7Mapping:
    categories: tuple[str, ...]
    rules: dict[str, tuple[CategoryRule, ...]]
    descriptions: dict[str, str]
    origin: str

    def category_of(self, scheme: str, major: str, minor: str) -> str | None:
        """The category a (major, minor) pair counts towards, or None; raises on an ambiguous pair."""
        found = {r.category for r in self.rules.get(scheme, ()) if r.matches(major, minor)}
        if len(found) > 1:
            raise MappingError(f"{self.origin}: scheme {scheme!r}: {major!r} / {minor!r} matches {sorted(found)}")
        return found.pop() if found else None

    def assign(self, scheme: str, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The category of each pair that has one."""
        out: dict[tuple[str, str], str] = {}
        for major, minor in pairs:
            category = self.category_of(scheme, major, minor)
            if category is not None:
                out[(major, minor)] = category
        return out

    def unused_rules(self, scheme: str, pairs: list[tuple[str, str]]) -> list[CategoryRule]:
        """Rules no pair matches: usually a typo in an override file."""
        return [r for r in self.rules.get(scheme, ()) if not any(r.matches(a, b) for a, b in pairs)]


def _parse(data: dict[str, Any], origin: str) -> Mopac7Mapping:
    categories = data.get("categories", list(MOPAC7))
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories) or not categories:
        raise MappingError(f"{origin}: 'categories' must be a non-empty list of names")
    schemes = data.get("schemes")
    if not isinstance(schemes, dict) or not schemes:
        raise MappingError(f"{origin}: no [schemes.*] tables")
    rules: dict[str, tuple[CategoryRule, ...]] = {}
    descriptions: dict[str, str] = {}
    for scheme, body in schemes.items():
        if scheme not in SCHEMES:
            raise MappingError(f"{origin}: unknown scheme {scheme!r} (expected one of {list(SCHEMES)})")
        if not isinstance(body, dict) or not isinstance(body.get("rules"), list):
            raise MappingError(f"{origin}: scheme {scheme!r} needs a 'rules' list")
        parsed: list[CategoryRule] = []
        for i, rule in enumerate(body["rules"], start=1):
            if not isinstance(rule, dict):
                raise MappingError(f"{origin}: scheme {scheme!r} rule {i} is not a table")
            category, major, minor = rule.get("category"), rule.get("major"), rule.get("minor")
            if category not in categories:
                raise MappingError(f"{origin}: scheme {scheme!r} rule {i}: unknown category {category!r}")
            if (
                not isinstance(major, str | None)
                or not isinstance(minor, str | None)
                or (major is None and minor is None)
            ):
                raise MappingError(f"{origin}: scheme {scheme!r} rule {i} needs a 'major' or 'minor' text")
            parsed.append(CategoryRule(str(category), major, minor))
        rules[scheme] = tuple(parsed)
        descriptions[scheme] = str(body.get("description", scheme))
    return Mopac7Mapping(tuple(categories), rules, descriptions, origin)


def load_mapping(path: Path | None = None) -> Mopac7Mapping:
    """The packaged mapping, or the one in ``path`` (``.json`` or TOML)."""
    if path is None:
        text = resources.files("citywatch.crime").joinpath("mopac7.toml").read_text(encoding="utf-8")
        return _parse(tomllib.loads(text), "mopac7.toml (built in)")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except FileNotFoundError as exc:
        raise MappingError(f"mapping file {path} does not exist") from exc
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"mapping file {path} is not valid: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"mapping file {path}: expected a table at the top level")
    return _parse(data, str(path))
