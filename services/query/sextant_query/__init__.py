"""The query context: cross-context read models (portfolio, opportunity evidence,
traceability) built only from the other contexts' domain topics."""
