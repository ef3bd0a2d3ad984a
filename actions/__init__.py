"""Custom actions for recruitbot: thin adapters between Rasa and the recruitbot core.

rasa-sdk imports every module of this package and registers each concrete Action.
"""
