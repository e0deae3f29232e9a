"""Setting up: a process that cannot run as configured says what to set, in one line;
development mode (make run) signs the console in with a token that needs no key."""

from __future__ import annotations

import pytest
from sextant_kit import ConfigurationError, Settings
from sextant_kit.auth import authenticator_from
from sextant_kit.runner import run_event_loop


def test_verifying_tokens_without_the_providers_keys_names_the_settings() -> None:
    with pytest.raises(ConfigurationError, match="SEXTANT_JWT_JWKS or SEXTANT_JWT_JWKS_FILE"):
        authenticator_from(Settings(auth_mode="jwt", jwt_jwks=None, jwt_jwks_file=None))


def test_a_configuration_error_ends_the_process_with_its_message_and_no_traceback() -> None:
    async def main() -> None:
        raise ConfigurationError("set SEXTANT_SOMETHING")

    with pytest.raises(SystemExit) as exited:
        run_event_loop(main())
    assert exited.value.code == "error: set SEXTANT_SOMETHING"  # printed to stderr, status 1


def test_a_development_sign_in_token_needs_no_key_and_development_mode_reads_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sextant_kit.auth import DevelopmentHeaders
    from sextant_kit.authz import Access, Role
    from sextant_platform.cli import main

    args = ["token", "create", "--tenant", "local", "--subject", "dev.admin", "--role", "admin"]
    main(args)  # as make run does, to print the console's sign-in token
    out, err = capsys.readouterr()
    assert "only development mode" in err
    who = DevelopmentHeaders().authenticate({"authorization": f"Bearer {out.strip()}"})
    assert (who.tenant_id, who.actor, who.organisation_role) == ("local", "dev.admin", Role.ADMIN)
    assert who.may(Access.PUBLISH, "any-workspace")
