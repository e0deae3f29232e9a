"""``python -m sextant_identity {api|relay|projector|all|migrate|rebuild NAME}``."""

from sextant_kit.runner import main_for

from sextant_identity.service import definition

if __name__ == "__main__":
    main_for([definition])
