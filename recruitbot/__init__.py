"""recruitbot: the framework-free core of the 11 Recruitment candidate assistant."""
