"""Compare two published versions: a pure function over their snapshots, and its report."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sextant_kit.numbers import plain

from sextant_roadmap.domain.events import PublishedItem, RoadmapPublished
from sextant_roadmap.domain.schedule import Timeframe


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ItemRef(_Out):
    item_id: UUID
    title: str


class Placement(_Out):
    horizon: str | None
    timeframe: str | None


class Moved(ItemRef):
    before: Placement
    after: Placement


class Rescored(ItemRef):
    model: str
    before: float | None
    after: float | None


class StatusChanged(ItemRef):
    before: str
    after: str


class Renamed(ItemRef):
    before: str
    after: str


class Changed(ItemRef):
    """A field the audience sees, other than those above, changed: who owns the item, its
    team, the objectives it serves, the opportunities it pursues, what it depends on, its
    rank."""

    field: str
    before: str | int | list[str] | None
    after: str | int | list[str] | None


OTHER_FIELDS = ("owner", "team", "objective_ids", "opportunity_ids", "depends_on", "rank")


class VersionDiff(_Out):
    roadmap_id: UUID
    from_version: int
    to_version: int
    from_audience: str
    to_audience: str
    added: list[ItemRef]
    removed: list[ItemRef]
    moved: list[Moved]
    rescored: list[Rescored]
    status_changed: list[StatusChanged]
    renamed: list[Renamed]
    redescribed: list[ItemRef]
    """Items whose description changed (compared when both versions show descriptions)."""
    changed: list[Changed] = []
    """Other fields changed (each compared when both versions show it)."""

    @property
    def unchanged(self) -> bool:
        changes = (
            self.added,
            self.removed,
            self.moved,
            self.rescored,
            self.status_changed,
            self.renamed,
            self.redescribed,
            self.changed,
        )
        return not any(changes)


def _label(timeframe: Timeframe | None) -> str | None:
    return timeframe.label if timeframe is not None else None


def _placement(item: PublishedItem) -> Placement:
    return Placement(
        horizon=item.horizon.value if item.horizon else None, timeframe=_label(item.timeframe)
    )


def diff(older: RoadmapPublished, newer: RoadmapPublished) -> VersionDiff:
    """What changed from ``older`` to ``newer``; fields one audience cannot see are skipped."""
    before = {i.item_id: i for i in older.items}
    after = {i.item_id: i for i in newer.items}
    moved: list[Moved] = []
    rescored: list[Rescored] = []
    status: list[StatusChanged] = []
    renamed: list[Renamed] = []
    redescribed: list[ItemRef] = []
    described = "description" in older.fields and "description" in newer.fields
    shown = [f for f in OTHER_FIELDS if f in older.fields and f in newer.fields]
    changed: list[Changed] = []
    for item_id, new in after.items():
        old = before.get(item_id)
        if old is None:
            continue
        dated = "timeframe" in older.fields and "timeframe" in newer.fields
        p_old, p_new = _placement(old), _placement(new)
        if not dated:
            p_old, p_new = (
                p_old.model_copy(update={"timeframe": None}),
                p_new.model_copy(update={"timeframe": None}),
            )
        if p_old != p_new:
            moved.append(Moved(item_id=item_id, title=new.title, before=p_old, after=p_new))
        if old.scores is not None and new.scores is not None:
            for model in sorted(old.scores.keys() | new.scores.keys()):
                a, b = old.scores.get(model), new.scores.get(model)
                if a != b:
                    rescored.append(
                        Rescored(item_id=item_id, title=new.title, model=model, before=a, after=b)
                    )
        if old.status != new.status:
            status.append(
                StatusChanged(
                    item_id=item_id,
                    title=new.title,
                    before=old.status.value,
                    after=new.status.value,
                )
            )
        if old.title != new.title:
            renamed.append(
                Renamed(item_id=item_id, title=new.title, before=old.title, after=new.title)
            )
        if described and _text(old.description) != _text(new.description):
            redescribed.append(ItemRef(item_id=item_id, title=new.title))
        for name in shown:
            was, now = _shown(getattr(old, name)), _shown(getattr(new, name))
            if was != now:
                changed.append(
                    Changed(item_id=item_id, title=new.title, field=name, before=was, after=now)
                )
    return VersionDiff(
        roadmap_id=newer.roadmap_id,
        from_version=older.version,
        to_version=newer.version,
        from_audience=older.audience.value,
        to_audience=newer.audience.value,
        added=[ItemRef(item_id=i, title=n.title) for i, n in after.items() if i not in before],
        removed=[ItemRef(item_id=i, title=o.title) for i, o in before.items() if i not in after],
        moved=moved,
        rescored=rescored,
        status_changed=status,
        renamed=renamed,
        redescribed=redescribed,
        changed=changed,
    )


def _shown(value: object) -> str | int | list[str] | None:
    """A field's value as the diff reports it: lists sorted, ids as text."""
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    return value  # type: ignore[return-value]


def _text(description: str | None) -> str:
    """A description as a reader sees it: line breaks however they were typed."""
    return (description or "").replace("\r\n", "\n")


def _where(p: Placement) -> str:
    if p.horizon is None:
        return "unscheduled"
    return p.horizon if p.timeframe is None else f"{p.horizon} ({p.timeframe})"


def _value(value: str | int | list[str] | None) -> str:
    if value is None or value == []:
        return "none"
    return ", ".join(value) if isinstance(value, list) else str(value)


def _score(value: float | None) -> str:
    return "none" if value is None else plain(value)


def render_markdown(d: VersionDiff, *, roadmap_name: str = "") -> str:
    """A report a person reads: one section per kind of change."""
    name = f"{roadmap_name} " if roadmap_name else ""
    lines = [
        f"# Roadmap {name}changes: v{d.from_version} ({d.from_audience}) → "
        f"v{d.to_version} ({d.to_audience})",
        "",
    ]
    if d.unchanged:
        return "\n".join([*lines, "No changes.", ""])
    sections: list[tuple[str, list[str]]] = [
        ("Added", [f"- {i.title}" for i in d.added]),
        ("Removed", [f"- {i.title}" for i in d.removed]),
        ("Moved", [f"- {m.title}: {_where(m.before)} → {_where(m.after)}" for m in d.moved]),
        (
            "Re-scored",
            [
                f"- {r.title} ({r.model}): {_score(r.before)} → {_score(r.after)}"
                for r in d.rescored
            ],
        ),
        ("Status changed", [f"- {s.title}: {s.before} → {s.after}" for s in d.status_changed]),
        ("Renamed", [f"- {r.before} → {r.after}" for r in d.renamed]),
        ("Description changed", [f"- {i.title}" for i in d.redescribed]),
        (
            "Other changes",
            [f"- {c.title}: {c.field} {_value(c.before)} → {_value(c.after)}" for c in d.changed],
        ),
    ]
    for heading, entries in sections:
        if entries:
            lines += [f"## {heading} ({len(entries)})", "", *entries, ""]
    return "\n".join(lines)
