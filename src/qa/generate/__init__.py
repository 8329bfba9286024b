"""Optional LLM rewording of the extractive answers, checked against the cited passages."""
