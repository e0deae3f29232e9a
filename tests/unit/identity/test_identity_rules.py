"""Given-when-then for every rule of organisations, workspaces and memberships."""

from datetime import UTC, datetime

from sextant_identity.domain import (
    CreateOrganisation,
    CreateWorkspace,
    GrantRole,
    MemberRoleGranted,
    MemberRoleRevoked,
    OrganisationCreated,
    OrganisationRenamed,
    Rename,
    RevokeRole,
    WorkspaceCreated,
    WorkspaceRenamed,
    identity_decider,
)
from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.authz import Role
from sextant_kit.testing import DeciderSpecification

spec = DeciderSpecification(identity_decider)
NOW = datetime(2026, 11, 26, tzinfo=UTC)
ORG = OrganisationCreated(tenant_id="acme", name="Acme", created_at=NOW)
WS = WorkspaceCreated(tenant_id="acme", workspace_id="mobile", name="Mobile", created_at=NOW)
GRANTED = MemberRoleGranted(
    tenant_id="acme", workspace_id="mobile", member="ana", role=Role.PRODUCT_MANAGER, granted_at=NOW
)


def test_an_organisation_is_created_once() -> None:
    create = CreateOrganisation(tenant_id="acme", name="Acme", at=NOW)
    spec.given([]).when(create).then([ORG])
    spec.given([ORG]).when(create).then([])
    spec.given([ORG]).when(CreateOrganisation(tenant_id="acme", name="Other", at=NOW)).then_raises(
        Conflict, match="already exists"
    )


def test_a_workspace_needs_its_organisation() -> None:
    create = CreateWorkspace(
        tenant_id="acme", workspace_id="mobile", name="Mobile", organisation_exists=True, at=NOW
    )
    spec.given([]).when(create).then([WS])
    spec.given([]).when(create.model_copy(update={"organisation_exists": False})).then_raises(
        NotFound, match="organisation"
    )
    spec.given([WS]).when(create).then([])


def test_roles_are_granted_changed_and_revoked() -> None:
    grant = GrantRole(member="ana", role=Role.PRODUCT_MANAGER, at=NOW)
    spec.given([WS]).when(grant).then([GRANTED])
    spec.given([WS, GRANTED]).when(grant).then([])
    spec.given([WS, GRANTED]).when(GrantRole(member="ana", role=Role.ADMIN, at=NOW)).then(
        [
            MemberRoleGranted(
                tenant_id="acme",
                workspace_id="mobile",
                member="ana",
                role=Role.ADMIN,
                granted_at=NOW,
            )
        ]
    )
    spec.given([WS, GRANTED]).when(RevokeRole(member="ana", at=NOW)).then(
        [MemberRoleRevoked(tenant_id="acme", workspace_id="mobile", member="ana", revoked_at=NOW)]
    )


def test_revoking_a_non_member_names_the_field_and_unknown_units_are_404() -> None:
    error = spec.given([WS]).when(RevokeRole(member="bo", at=NOW)).then_raises(DomainError)
    assert isinstance(error, DomainError)
    assert error.field == "member"
    spec.given([]).when(GrantRole(member="ana", role=Role.ADMIN, at=NOW)).then_raises(NotFound)


def test_organisation_wide_roles_live_on_the_organisation() -> None:
    spec.given([ORG]).when(GrantRole(member="cy", role=Role.STAKEHOLDER, at=NOW)).then(
        [MemberRoleGranted(tenant_id="acme", member="cy", role=Role.STAKEHOLDER, granted_at=NOW)]
    )


def test_a_workspace_or_the_organisation_is_renamed_keeping_its_id() -> None:
    rename = Rename(name="Mobile apps", at=NOW)
    renamed = WorkspaceRenamed(
        tenant_id="acme", workspace_id="mobile", name="Mobile apps", renamed_at=NOW
    )
    spec.given([WS]).when(rename).then([renamed])
    spec.given([WS, renamed]).when(rename).then([])  # the name it has
    spec.given([ORG]).when(Rename(name="Acme Group", at=NOW)).then(
        [OrganisationRenamed(tenant_id="acme", name="Acme Group", renamed_at=NOW)]
    )
    spec.given([]).when(rename).then_raises(NotFound)
    # Created again under the name it has now: already done.
    again = CreateWorkspace(
        tenant_id="acme",
        workspace_id="mobile",
        name="Mobile apps",
        organisation_exists=True,
        at=NOW,
    )
    spec.given([WS, renamed]).when(again).then([])
