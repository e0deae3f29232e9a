"""Given-when-then for insights, personas and competitors."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from pydantic import ValidationError
from sextant_discovery.domain.competitor import (
    ChangeCompetitorStatus,
    CompareFeature,
    CompetitorProfile,
    CompetitorProfiled,
    CompetitorStatus,
    CompetitorStatusChanged,
    Coverage,
    FeatureCompared,
    ProfileCompetitor,
    competitor_decider,
)
from sextant_discovery.domain.insight import (
    InsightRecorded,
    InsightReinstated,
    InsightRetired,
    InsightRevised,
    InsightTagged,
    RecordInsight,
    ReinstateInsight,
    RetireInsight,
    ReviseInsight,
    TagInsight,
    insight_decider,
)
from sextant_discovery.domain.persona import (
    ArchivePersona,
    CreatePersona,
    PersonaArchived,
    PersonaCreated,
    PersonaProfile,
    PersonaRestored,
    PersonaRevised,
    RestorePersona,
    RevisePersona,
    persona_decider,
)
from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.testing import DeciderSpecification

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ID = UUID("00000000-0000-4000-8000-000000000001")

insights = DeciderSpecification(insight_decider)
personas = DeciderSpecification(persona_decider)
competitors = DeciderSpecification(competitor_decider)


def record() -> RecordInsight:
    return RecordInsight(
        insight_id=ID,
        workspace_id="ws",
        title="SMBs hate invoices",
        market="payments",
        segment="smb",
        source="interviews",
        summary="8 of 10 interviewees",
        evidence_links=("https://example.com/notes",),
        tags=("Invoicing", "smb"),
        recorded_by="ana",
        now=NOW,
    )


RECORDED = InsightRecorded(
    insight_id=ID,
    workspace_id="ws",
    title="SMBs hate invoices",
    market="payments",
    segment="smb",
    source="interviews",
    summary="8 of 10 interviewees",
    evidence_links=("https://example.com/notes",),
    tags=("invoicing", "smb"),
    recorded_by="ana",
    recorded_at=NOW,
)


def test_an_insight_is_recorded_with_normalised_tags() -> None:
    insights.given([]).when(record()).then([RECORDED])


def test_an_insight_is_recorded_once() -> None:
    insights.given([RECORDED]).when(record()).then_raises(Conflict)


def test_evidence_links_must_be_urls() -> None:
    with pytest.raises(ValidationError):
        record().model_copy(update={}).model_validate(
            {**record().model_dump(), "evidence_links": ["not a url"]}
        )


def test_tags_replace_earlier_tags_and_the_same_tags_change_nothing() -> None:
    tag = TagInsight(insight_id=ID, tags=("churn",), now=NOW)
    insights.given([RECORDED]).when(tag).then(
        [InsightTagged(insight_id=ID, tags=("churn",), tagged_at=NOW)]
    )
    same = TagInsight(insight_id=ID, tags=("smb", "invoicing"), now=NOW)
    insights.given([RECORDED]).when(same).then([])


def test_a_missing_insight_cannot_be_tagged_or_retired() -> None:
    insights.given([]).when(TagInsight(insight_id=ID, tags=(), now=NOW)).then_raises(NotFound)
    retire = RetireInsight(insight_id=ID, reason="old", now=NOW)
    insights.given([]).when(retire).then_raises(NotFound)


def test_a_retired_insight_is_retired_once_and_not_tagged() -> None:
    retired = InsightRetired(insight_id=ID, reason="old", retired_at=NOW)
    retire = RetireInsight(insight_id=ID, reason="old", now=NOW)
    insights.given([RECORDED]).when(retire).then([retired])
    insights.given([RECORDED, retired]).when(retire).then([])
    tag = TagInsight(insight_id=ID, tags=("x",), now=NOW)
    insights.given([RECORDED, retired]).when(tag).then_raises(Conflict, match="retired")


def test_a_current_insight_is_revised_keeping_its_tags() -> None:
    revise = ReviseInsight(
        insight_id=ID,
        title="SMBs hate invoices",
        market="payments",
        segment="smb",
        source="interviews, March",
        summary="9 of 12 interviewees",
        evidence_links=("https://example.com/notes", "https://example.com/march"),
        actor="bo",
        now=NOW,
    )
    revised = InsightRevised(
        insight_id=ID,
        title="SMBs hate invoices",
        market="payments",
        segment="smb",
        source="interviews, March",
        summary="9 of 12 interviewees",
        evidence_links=("https://example.com/notes", "https://example.com/march"),
        revised_by="bo",
        revised_at=NOW,
    )
    insights.given([RECORDED]).when(revise).then([revised])
    insights.given([RECORDED, revised]).when(revise).then([])  # as it stands
    as_recorded = revise.model_copy(
        update={
            "source": "interviews",
            "summary": "8 of 10 interviewees",
            "evidence_links": ("https://example.com/notes",),
        }
    )
    insights.given([RECORDED]).when(as_recorded).then([])
    insights.given([]).when(revise).then_raises(NotFound)
    retired = InsightRetired(insight_id=ID, reason="old", retired_at=NOW)
    insights.given([RECORDED, retired]).when(revise).then_raises(Conflict, match="retired")


BUYER = PersonaProfile(name="Busy buyer", goals=("pay fast",), pains=("long forms",))
CREATED = PersonaCreated(
    persona_id=ID, workspace_id="ws", version=1, profile=BUYER, created_by="ana", created_at=NOW
)


def test_a_persona_is_created_as_version_one() -> None:
    create = CreatePersona(persona_id=ID, workspace_id="ws", profile=BUYER, actor="ana", now=NOW)
    personas.given([]).when(create).then([CREATED])
    personas.given([CREATED]).when(create).then_raises(Conflict)


def test_each_revision_is_the_next_version_and_an_unchanged_profile_is_no_revision() -> None:
    revised = BUYER.model_copy(update={"jobs_to_be_done": ("close the month",)})
    revise = RevisePersona(persona_id=ID, profile=revised, note="JTBD", actor="bo", now=NOW)
    first = PersonaRevised(
        persona_id=ID, version=2, profile=revised, note="JTBD", revised_by="bo", revised_at=NOW
    )
    personas.given([CREATED]).when(revise).then([first])
    again = revise.model_copy(update={"profile": BUYER})
    personas.given([CREATED, first]).when(again).then(
        [first.model_copy(update={"version": 3, "profile": BUYER})]
    )
    unchanged = RevisePersona(persona_id=ID, profile=BUYER, actor="bo", now=NOW)
    personas.given([CREATED]).when(unchanged).then([])


def test_a_missing_or_archived_persona_is_not_revised() -> None:
    revise = RevisePersona(persona_id=ID, profile=BUYER, actor="bo", now=NOW)
    personas.given([]).when(revise).then_raises(NotFound)
    archived = PersonaArchived(persona_id=ID, archived_at=NOW)
    personas.given([CREATED, archived]).when(revise).then_raises(Conflict, match="archived")


def test_archiving_is_idempotent_and_needs_a_persona() -> None:
    archive = ArchivePersona(persona_id=ID, now=NOW)
    archived = PersonaArchived(persona_id=ID, archived_at=NOW)
    personas.given([CREATED]).when(archive).then([archived])
    personas.given([CREATED, archived]).when(archive).then([])
    personas.given([]).when(archive).then_raises(NotFound)


def test_an_archived_persona_is_restored_with_its_versions_and_revised_again() -> None:
    restore = RestorePersona(persona_id=ID, actor="bo", now=NOW)
    archived = PersonaArchived(persona_id=ID, archived_at=NOW)
    restored = PersonaRestored(persona_id=ID, restored_by="bo", restored_at=NOW)
    personas.given([CREATED, archived]).when(restore).then([restored])
    personas.given([CREATED]).when(restore).then([])  # current already
    personas.given([]).when(restore).then_raises(NotFound)
    revise = RevisePersona(
        persona_id=ID, profile=BUYER.model_copy(update={"pains": ()}), actor="bo", now=NOW
    )
    (revised,) = persona_decider.decide(revise, persona_decider.fold([CREATED, archived, restored]))
    assert isinstance(revised, PersonaRevised)
    assert revised.version == 2


def test_a_retired_insight_is_reinstated_with_a_reason_and_changes_again() -> None:
    reinstate = ReinstateInsight(
        insight_id=ID, reason=" borne out by Q3 churn ", actor="bo", now=NOW
    )
    retired = InsightRetired(insight_id=ID, reason="old", retired_at=NOW)
    reinstated = InsightReinstated(
        insight_id=ID, reason="borne out by Q3 churn", reinstated_by="bo", reinstated_at=NOW
    )
    insights.given([RECORDED, retired]).when(reinstate).then([reinstated])
    insights.given([RECORDED]).when(reinstate).then([])  # current already
    insights.given([]).when(reinstate).then_raises(NotFound)
    tag = TagInsight(insight_id=ID, tags=("churn",), now=NOW)
    insights.given([RECORDED, retired, reinstated]).when(tag).then(
        [InsightTagged(insight_id=ID, tags=("churn",), tagged_at=NOW)]
    )
    with pytest.raises(ValidationError, match="reason"):
        ReinstateInsight(insight_id=ID, reason=" ", actor="bo", now=NOW)


RIVAL = CompetitorProfile(name="Rival", positioning="cheap", strengths=("price",))
PROFILED = CompetitorProfiled(
    competitor_id=ID, workspace_id="ws", revision=1, profile=RIVAL, profiled_at=NOW
)


def test_profiling_creates_then_revises_a_competitor() -> None:
    profile = ProfileCompetitor(competitor_id=ID, workspace_id="ws", profile=RIVAL, now=NOW)
    competitors.given([]).when(profile).then([PROFILED])
    competitors.given([PROFILED]).when(profile).then([])
    richer = RIVAL.model_copy(update={"weaknesses": ("support",)})
    competitors.given([PROFILED]).when(profile.model_copy(update={"profile": richer})).then(
        [PROFILED.model_copy(update={"revision": 2, "profile": richer})]
    )
    elsewhere = profile.model_copy(update={"workspace_id": "other"})
    competitors.given([PROFILED]).when(elsewhere).then_raises(Conflict)


def test_features_are_compared_on_profiled_competitors() -> None:
    compare = CompareFeature(
        competitor_id=ID, feature="SSO", theirs=Coverage.FULL, ours=Coverage.NONE, now=NOW
    )
    competitors.given([PROFILED]).when(compare).then(
        [
            FeatureCompared(
                competitor_id=ID,
                feature="SSO",
                theirs=Coverage.FULL,
                ours=Coverage.NONE,
                note=None,
                compared_at=NOW,
            )
        ]
    )
    competitors.given([]).when(compare).then_raises(NotFound)


def test_status_changes_are_kept_with_the_previous_status() -> None:
    change = ChangeCompetitorStatus(
        competitor_id=ID, status=CompetitorStatus.DEFUNCT, reason="closed", now=NOW
    )
    changed = CompetitorStatusChanged(
        competitor_id=ID,
        status=CompetitorStatus.DEFUNCT,
        previous=CompetitorStatus.ACTIVE,
        reason="closed",
        changed_at=NOW,
    )
    competitors.given([PROFILED]).when(change).then([changed])
    competitors.given([PROFILED, changed]).when(change).then([])
    back = change.model_copy(update={"status": CompetitorStatus.ACTIVE})
    competitors.given([PROFILED, changed]).when(back).then_raises(DomainError, match="defunct")
    competitors.given([]).when(change).then_raises(NotFound)
