"""The web app: the chat widget's script, its signed sessions and the demo agency page."""
