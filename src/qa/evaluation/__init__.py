"""The eval sets, their scoring rules, ``qa eval --sets`` and ``qa eval --report``."""
