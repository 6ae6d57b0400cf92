"""b24notify: send Bitrix24 chat-bot messages from reusable templates."""

__version__ = "0.1.0"
