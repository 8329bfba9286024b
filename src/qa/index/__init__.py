"""The index stage: BM25 tokens, passages and reader units of the chunks, and the persisted
index (BM25 + FAISS) with its manifest."""
