"""The roadmap context."""
