"""``python -m sextant_roadmap {api|relay|projector|all|migrate|rebuild NAME}``."""

from sextant_kit.runner import main_for

from sextant_roadmap.service import definition

if __name__ == "__main__":
    main_for([definition])
