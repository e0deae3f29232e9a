"""``python -m sextant_query {api|relay|projector|all|migrate|rebuild NAME}``."""

from sextant_kit.runner import main_for

from sextant_query.service import definition

if __name__ == "__main__":
    main_for([definition])
