"""Tracking: GPS wearables of people with dementia and covert police vehicles.

bytes → protocol decoder (→ ack) → per-device chain (time fix → filter → safe zones → store → alerts).
See docs/design/tracking.md. The public surface is in ``services`` (use cases), ``runtime``
(the listeners, pipeline and writer wired together) and ``domain`` (dataclasses).
"""
