"""Protocol decoders: pure functions over bytes, one module per protocol, each with a frame splitter."""
