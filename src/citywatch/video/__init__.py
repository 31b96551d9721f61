"""Video: ingest, recording, index, playback and live fan-out."""
