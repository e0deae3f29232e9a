"""A process that cannot run as configured says what to set, in one line."""

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
