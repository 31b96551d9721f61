"""Per-user state of the control-room web app (saved layouts, UI settings)."""
