"""Is a new event schema backward compatible with the one already published?

Events are facts kept forever: every event already written under the published schema must
still be readable with the new one (replays, rebuilds, late subscribers). So, comparing the
published schema ``old`` with the ``new`` one:

- a property may be added only if it is optional (old events lack it);
- a property may not be removed, and may not become required;
- a property's type may only widen (``integer`` to ``number``, or adding ``null``);
- an enum may gain values but not lose any.

Anything else is breaking: publish the change as a new version (``.v2``) of the event with an
upcaster from the old one (``EventRegistry(..., upcasters={(name, 1): fn})``).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _resolve(node: Schema, root: Schema) -> Schema:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _types(node: Schema, root: Schema) -> set[str]:
    node = _resolve(node, root)
    if "anyOf" in node:
        return set().union(*(_types(n, root) for n in node["anyOf"]))
    if "enum" in node:
        return {f"enum:{v}" for v in node["enum"]}
    kind = node.get("type")
    if isinstance(kind, list):
        return set(kind)
    if kind is None:
        return {"any"}
    if kind == "object" and "properties" in node:
        return {f"object:{node.get('title', '')}"}
    return {kind}


def _widened(old: set[str], new: set[str]) -> bool:
    if "any" in new:
        return True
    widened = set(new)
    if "number" in new:
        widened.add("integer")
    return old <= widened


def breaking_changes(
    old: Schema,
    new: Schema,
    *,
    path: str = "",
    root_old: Schema | None = None,
    root_new: Schema | None = None,
) -> list[str]:
    """What in ``new`` breaks documents valid under ``old`` (empty: compatible)."""
    root_old = root_old or old
    root_new = root_new or new
    old = _resolve(old, root_old)
    new = _resolve(new, root_new)
    problems: list[str] = []
    old_props: Schema = old.get("properties", {})
    new_props: Schema = new.get("properties", {})
    old_required = set(old.get("required", []))
    new_required = set(new.get("required", []))
    for name in sorted(old_props.keys() - new_props.keys()):
        problems.append(f"{path}{name}: removed")
    for name in sorted(new_required - old_required):
        problems.append(f"{path}{name}: now required (events written before lack it)")
    for name in sorted(old_props.keys() & new_props.keys()):
        before, after = old_props[name], new_props[name]
        old_types, new_types = _types(before, root_old), _types(after, root_new)
        lost = {t for t in old_types - new_types if t.startswith("enum:")}
        if lost:
            problems.append(
                f"{path}{name}: enum values removed: {', '.join(sorted(t[5:] for t in lost))}"
            )
        elif not _widened(
            old_types - {t for t in old_types if t.startswith("enum:")},
            new_types - {t for t in new_types if t.startswith("enum:")},
        ):
            problems.append(
                f"{path}{name}: type changed from {sorted(old_types)} to {sorted(new_types)}"
            )
        nested_old, nested_new = _resolve(before, root_old), _resolve(after, root_new)
        if "properties" in nested_old and "properties" in nested_new:
            problems += breaking_changes(
                nested_old, nested_new, path=f"{path}{name}.", root_old=root_old, root_new=root_new
            )
    return problems
