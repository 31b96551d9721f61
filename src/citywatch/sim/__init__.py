"""Virtual cameras and trackers: a whole network that runs on 127.0.0.1."""
