"""The roadmap domain: pure deciders, scoring, scheduling, dependencies and versions."""
