"""Crime figures for the network: MPS borough and LSOA counts, street-level points, camera coverage.

Import (``importer``) validates whole files and stores them in DuckDB (``store``); reports
(``reports``, ``targets``) and camera coverage (``coverage``, ``hotspots``) are plain functions that
return dataclasses, so that the CLI here and a web API later can both call them.
"""
