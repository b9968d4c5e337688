"""aistui assets: TCSS, demo-data recipe, snippet templates (importable for importlib.resources)."""
