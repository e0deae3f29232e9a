"""The identity context's event registry."""

from __future__ import annotations

from sextant_kit import EventRegistry

from sextant_identity.domain import (
    MemberRoleGranted,
    MemberRoleRevoked,
    OrganisationCreated,
    OrganisationRenamed,
    WorkspaceCreated,
    WorkspaceRenamed,
)

registry = EventRegistry(
    "identity",
    [
        OrganisationCreated,
        WorkspaceCreated,
        MemberRoleGranted,
        MemberRoleRevoked,
        OrganisationRenamed,
        WorkspaceRenamed,
    ],
)
