"""The corpus stage: the documents and their manifest, text cleaning that keeps source
offsets, one parser per document shape, and the value objects they produce."""
