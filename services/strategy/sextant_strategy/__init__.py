"""The strategy context: vision, objectives and key results, product concept, timeline,
decisions, and the review that approves a strategy."""
