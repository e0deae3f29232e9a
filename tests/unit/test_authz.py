import pytest
from sextant_kit.authz import PERMISSIONS, Access, Principal, Role


def test_admin_may_do_everything_and_stakeholders_only_read_published() -> None:
    assert PERMISSIONS[Role.ADMIN] == frozenset(Access)
    assert PERMISSIONS[Role.STAKEHOLDER] == {Access.READ_PUBLISHED}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_is_in_the_table(role: Role) -> None:
    assert Access.READ_PUBLISHED in PERMISSIONS[role]


def test_workspace_role_overrides_the_organisation_role() -> None:
    who = Principal("t", "ana", Role.STAKEHOLDER, {"mobile": Role.PRODUCT_MANAGER})
    assert who.may(Access.PUBLISH, "mobile")
    assert not who.may(Access.WRITE, "web")


def test_a_scoped_service_token_reaches_only_its_workspaces() -> None:
    token = Principal("t", "svc:crm", Role.CONTRIBUTOR, workspaces=frozenset({"mobile"}))
    assert token.may(Access.WRITE, "mobile")
    assert not token.may(Access.READ, "web")


def test_a_scoped_admin_token_reads_the_organisations_rows_and_changes_none() -> None:
    token = Principal("t", "svc:ops", Role.ADMIN, workspaces=frozenset({"mobile"}))
    assert token.may(Access.ADMINISTER, "mobile")
    assert token.may(Access.READ, None)
    for access in (Access.WRITE, Access.DECIDE, Access.PUBLISH, Access.ADMINISTER):
        assert not token.may(access, None), access  # members, renames, erasure, objectives
    assert token.workspaces_with(Access.WRITE) == frozenset({"mobile"})


def test_the_workspaces_a_caller_reads() -> None:
    everywhere = Principal("t", "cpo", Role.PRODUCT_MANAGER)
    assert everywhere.workspaces_with(Access.READ) is None
    team = Principal(
        "t", "ana", Role.STAKEHOLDER, {"mobile": Role.CONTRIBUTOR, "web": Role.STAKEHOLDER}
    )
    assert team.workspaces_with(Access.READ) == frozenset({"mobile"})
    assert team.workspaces_with(Access.READ_PUBLISHED) is None
    confined = Principal("t", "svc:bi", Role.CONTRIBUTOR, workspaces=frozenset({"mobile"}))
    assert confined.workspaces_with(Access.READ) == frozenset({"mobile"})
    assert Principal("t", "nobody").workspaces_with(Access.READ) == frozenset()


def test_a_lesser_role_in_a_workspace_withholds_it_from_an_organisation_wide_reader() -> None:
    cpo = Principal("t", "cpo", Role.CONTRIBUTOR, {"mergers": Role.STAKEHOLDER})
    assert not cpo.may(Access.READ, "mergers")
    assert cpo.workspaces_with(Access.READ) is None  # every workspace but ...
    assert cpo.withheld(Access.READ) == frozenset({"mergers"})
    assert cpo.withheld(Access.READ_PUBLISHED) == frozenset()
    confined = Principal(
        "t",
        "svc:bi",
        Role.CONTRIBUTOR,
        {"mergers": Role.STAKEHOLDER},
        workspaces=frozenset({"mobile", "mergers"}),
    )
    assert confined.workspaces_with(Access.READ) == frozenset({"mobile"})
    assert Principal("t", "cpo", Role.ADMIN).withheld(Access.READ) == frozenset()
