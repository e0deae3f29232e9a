"""The strategy context's aggregates, one module each, and the pure rules they share."""
