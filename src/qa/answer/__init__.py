"""Answering: question → retrieval → reader → :class:`Answer` with citations; follow-up
questions and contact answers."""
