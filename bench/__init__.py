"""Benchmarks: ours against a stock Rasa bot (``python -m bench``), the catalogue, NLU configurations."""
