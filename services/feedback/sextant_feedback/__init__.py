"""The feedback context: feedback items from every channel, as events."""
