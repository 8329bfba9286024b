"""The ``qa`` command's old address, kept for environments installed before the re-layout
(their ``qa`` script imports ``qa.cli``); the command lives in :mod:`qa.app.cli`."""

from qa.app.cli import main

__all__ = ["main"]
