"""``python -m sextant_console --port 8080 --api http://127.0.0.1:8000``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from sextant_console.app import create_app
from sextant_console.settings import ConsoleSettings


def main(argv: Sequence[str] | None = None) -> None:
    defaults = ConsoleSettings()
    parser = argparse.ArgumentParser(prog="python -m sextant_console", description=__doc__)
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.port)
    parser.add_argument("--api", default=defaults.api_url, help="the services' HTTP APIs")
    options = parser.parse_args(argv)
    settings = defaults.model_copy(
        update={"host": options.host, "port": options.port, "api_url": options.api}
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, access_log=False)


if __name__ == "__main__":
    main()
