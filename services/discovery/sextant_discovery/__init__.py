"""The discovery context."""
