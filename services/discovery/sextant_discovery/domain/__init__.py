"""The discovery context's aggregates: pure deciders, no I/O."""
