"""Recorder nodes under one PostgreSQL: leases, fencing, node media servers (docs/design/fleet.md)."""
