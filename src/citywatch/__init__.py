"""citywatch: a borough's shared public-space CCTV network and community-safety control room."""

__version__ = "0.1.0"
