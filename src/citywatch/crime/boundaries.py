"""Where LSOA boundaries for a borough are found: the data directory first, then the bundled files.

A borough's 2011 LSOAs are one WGS84 GeoJSON file named by the borough's GSS code, e.g.
``E09000013.geojson`` for Hammersmith & Fulham, in a folder named ``lsoa11``. The checkout bundles
H&F's under ``data/geo/hf/lsoa11``; an installation adds others under ``<data_dir>/geo/lsoa11``.
"""

from __future__ import annotations

from pathlib import Path

from citywatch.crime.errors import NoDataError
from citywatch.crime.lsoa_coverage import LsoaArea, load_lsoa_areas

__all__ = ["BUNDLED_GEO", "LsoaBoundaries"]

BUNDLED_GEO = Path(__file__).resolve().parents[3] / "data" / "geo"


class LsoaBoundaries:
    """Boundary files by GSS code, read once each (they do not change while the server runs)."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self._cache: dict[str, list[LsoaArea]] = {}

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> LsoaBoundaries:
        return cls([data_dir / "geo", BUNDLED_GEO])

    def files(self) -> dict[str, Path]:
        """GSS code → boundary file; a file in an earlier root wins."""
        found: dict[str, Path] = {}
        for root in self.roots:
            if root.is_dir():
                for path in sorted(root.glob("**/lsoa11/E09*.geojson")):
                    found.setdefault(path.stem, path)
        return found

    def areas(self, gss_code: str, borough: str) -> list[LsoaArea]:
        if gss_code not in self._cache:
            path = self.files().get(gss_code)
            if path is None:
                where = " or ".join(str(r / "lsoa11" if r != BUNDLED_GEO else r / "*" / "lsoa11") for r in self.roots)
                raise NoDataError(
                    f"no LSOA boundaries for {borough} ({gss_code}): add {gss_code}.geojson (2011 LSOAs, WGS84) "
                    f"under {where}"
                )
            self._cache[gss_code] = load_lsoa_areas(path)
        return self._cache[gss_code]
