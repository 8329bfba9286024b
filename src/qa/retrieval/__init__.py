"""Retrieval: BM25, dense and hybrid search with filters, and the engine that loads the model
and index once (rebuilding a stale index)."""
