"""Custom Rasa NLU components (graph components referenced by module path in config.yml)."""
