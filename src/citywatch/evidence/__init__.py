"""Evidence: cases, holds linked to them, signed export bundles, derivatives and their disclosure."""
