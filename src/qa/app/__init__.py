"""What users run: the ``qa`` command, the terminal prompt, the chat (Gradio) with its ``/ask``
API, its input checks and HTTP guard, and feedback."""
