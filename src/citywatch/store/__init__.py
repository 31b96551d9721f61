"""The relational store: engine set-up, table definitions, migrations."""
