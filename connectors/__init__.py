"""Rasa input and output channels: signed socket.io sessions for the widget, Slack and Telegram.

Each channel turns the bot's channel-neutral messages (``messages.BotMessage``: text, quick
replies and vacancy cards) into its own native form. See docs/channels.md.
"""
