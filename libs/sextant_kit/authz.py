"""Who may do what: the one role table every service enforces.

Each endpoint names the kind of access it needs (``requires(Access.WRITE)``); a caller's
role in the endpoint's workspace (or their organisation-wide role) decides.

| role                      | read | read_published | write | decide | publish | administer |
|---------------------------|------|----------------|-------|--------|---------|------------|
| admin                     |  x   |       x        |   x   |   x    |    x    |     x      |
| product_manager           |  x   |       x        |   x   |   x    |    x    |            |
| technical_product_manager |  x   |       x        |   x   |   x    |         |            |
| product_owner             |  x   |       x        |   x   |        |    x    |            |
| contributor               |  x   |       x        |   x   |        |         |            |
| stakeholder               |      |       x        |       |        |         |            |

- read: everything of a workspace except what only admins see;
- read_published: published roadmap versions (all a stakeholder sees);
- write: record and change work items (feedback, research, items, objectives, ...);
- decide: pursue/park/reject, select, approve, record decisions, conclude experiments;
- publish: publish roadmap versions to an audience, hand items to delivery;
- administer: workspaces, memberships, tokens, replays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PRODUCT_MANAGER = "product_manager"
    TECHNICAL_PRODUCT_MANAGER = "technical_product_manager"
    PRODUCT_OWNER = "product_owner"
    CONTRIBUTOR = "contributor"
    STAKEHOLDER = "stakeholder"


class Access(StrEnum):
    READ = "read"
    READ_PUBLISHED = "read_published"
    WRITE = "write"
    DECIDE = "decide"
    PUBLISH = "publish"
    ADMINISTER = "administer"


_A = Access
PERMISSIONS: Mapping[Role, frozenset[Access]] = {
    Role.ADMIN: frozenset(Access),
    Role.PRODUCT_MANAGER: frozenset({_A.READ, _A.READ_PUBLISHED, _A.WRITE, _A.DECIDE, _A.PUBLISH}),
    Role.TECHNICAL_PRODUCT_MANAGER: frozenset({_A.READ, _A.READ_PUBLISHED, _A.WRITE, _A.DECIDE}),
    Role.PRODUCT_OWNER: frozenset({_A.READ, _A.READ_PUBLISHED, _A.WRITE, _A.PUBLISH}),
    Role.CONTRIBUTOR: frozenset({_A.READ, _A.READ_PUBLISHED, _A.WRITE}),
    Role.STAKEHOLDER: frozenset({_A.READ_PUBLISHED}),
}


_READING = frozenset({Access.READ, Access.READ_PUBLISHED})
"""What a service token confined to some workspaces may do outside them: read the
organisation's own rows (its objectives, the customer directory), which belong to none."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a person or an internal platform's service account."""

    tenant_id: str
    actor: str
    organisation_role: Role | None = None
    workspace_roles: Mapping[str, Role] = field(default_factory=dict)
    workspaces: frozenset[str] | None = None
    """For service tokens: the only workspaces the token may touch (None: no restriction)."""
    actions: frozenset[Access] | None = None
    """For service tokens: the only kinds of access granted (None: what the role allows)."""
    audiences: frozenset[str] | None = None
    """For stakeholders: the audiences whose published roadmap versions they read (None:
    every audience's)."""

    def role_in(self, workspace_id: str | None) -> Role | None:
        outside = self.workspaces is not None and workspace_id not in self.workspaces
        if workspace_id is not None and outside:
            return None
        if workspace_id is not None and workspace_id in self.workspace_roles:
            return self.workspace_roles[workspace_id]
        return self.organisation_role

    def may(self, access: Access, workspace_id: str | None) -> bool:
        role = self.role_in(workspace_id)
        if self.actions is not None and access not in self.actions:
            return False
        if workspace_id is None and self.workspaces is not None and access not in _READING:
            return False  # confined to some workspaces, it changes nothing outside them
        return role is not None and access in PERMISSIONS[role]

    def workspaces_with(self, access: Access) -> frozenset[str] | None:
        """The workspaces where the caller has ``access``: ``None`` for every workspace of
        the organisation (an organisation-wide role; a confined token, its workspaces) but
        those ``withheld``."""
        if self.workspaces is not None:
            return frozenset(w for w in self.workspaces if self.may(access, w))
        if self.may(access, None):
            return None
        return frozenset(w for w in self.workspace_roles if self.may(access, w))

    def audiences_in(self, workspace_id: str | None) -> frozenset[str] | None:
        """The audiences whose published versions the caller reads in ``workspace_id``:
        ``None`` for every audience's, as for anyone who reads the workspace (the team sees
        all it published) and for a stakeholder whose token names none."""
        if self.audiences is None or self.may(Access.READ, workspace_id):
            return None
        return self.audiences

    def withheld(self, access: Access) -> frozenset[str]:
        """The workspaces where the caller's own role there lacks ``access`` (a role in a
        workspace stands in for the organisation-wide one): an administrator keeps an
        organisation-wide reader out of one team's workspace with a lesser role in it, and
        what crosses workspaces leaves these out."""
        return frozenset(w for w in self.workspace_roles if not self.may(access, w))
