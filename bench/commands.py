"""Valid commands for every service, for load that spreads across the whole platform."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bench.load import Request

WORKSPACES = 20
ROADMAPS = 40
QUARTER = {"quarter": "2026-Q3"}


def headers(tenant: str) -> dict[str, str]:
    return {"X-Sextant-Tenant": tenant, "X-Sextant-Actor": "pm.soak"}


def setup_requests(urls: Mapping[str, str], tenant: str) -> list[Request]:
    """The organisation, workspaces and roadmaps that the mixed commands refer to."""
    h = headers(tenant)
    requests = [Request("POST", f"{urls['identity']}/v1/organisation", {"name": "Soak"}, h)]
    requests += [
        Request(
            "POST",
            f"{urls['identity']}/v1/workspaces",
            {"workspace_id": f"ws-{w}", "name": f"Team {w}"},
            h,
        )
        for w in range(WORKSPACES)
    ]
    requests += [
        Request(
            "POST",
            f"{urls['roadmap']}/v1/workspaces/ws-{r % WORKSPACES}/roadmaps",
            {"name": f"Roadmap {r}"},
            h,
        )
        for r in range(ROADMAPS)
    ]
    return requests


def mixed(
    urls: Mapping[str, str], tenant: str, roadmaps: Sequence[tuple[str, str]]
) -> Callable[[int], Request]:
    """Command ``i`` of a round robin over the five services, two kinds of command each.

    ``roadmaps`` are ``(workspace, roadmap id)`` pairs made by the setup.
    """
    h = headers(tenant)

    def identity(i: int, ws: str) -> Request:
        if i % 2:
            # Round robin, so that one workspace sees one grant at a time: concurrent writes
            # to one aggregate are decided again in turn, which measures contention, not load.
            grant_ws = f"ws-{(i // 2) % WORKSPACES}"
            body = {"member": f"member-{i}", "role": "contributor"}
            url = f"{urls['identity']}/v1/workspaces/{grant_ws}/members"
            return Request("POST", url, body, h)
        body = {"workspace_id": f"soak-{i}", "name": f"Team {i}"}
        return Request("POST", f"{urls['identity']}/v1/workspaces", body, h)

    def feedback(i: int, ws: str) -> Request:
        body = {"text": f"Bulk edit for roadmap items ({i})", "source": "support_ticket"}
        return Request("POST", f"{urls['feedback']}/v1/workspaces/{ws}/feedback", body, h)

    def discovery(i: int, ws: str) -> Request:
        base = f"{urls['discovery']}/v1/workspaces/{ws}"
        if i % 2:
            body = {"title": f"Invoicing takes hours ({i})", "statement": "An evening a week",
                    "severity": 4, "frequency": 5}  # fmt: skip
            return Request("POST", f"{base}/problems", body, h)
        body = {"title": f"Owners dread invoicing ({i})", "market": "smb payments",
                "source": "interviews", "summary": "Invoicing takes an evening"}  # fmt: skip
        return Request("POST", f"{base}/insights", body, h)

    def strategy(i: int, ws: str) -> Request:
        body = {"title": f"Convert more buyers ({i})", "period": QUARTER}
        return Request("POST", f"{urls['strategy']}/v1/workspaces/{ws}/objectives", body, h)

    def roadmap(i: int, ws: str) -> Request:
        if i % 2:
            rws, rid = roadmaps[(i // 2) % len(roadmaps)]
            body = {"title": f"One-click pay ({i})", "type": "feature"}
            url = f"{urls['roadmap']}/v1/workspaces/{rws}/roadmaps/{rid}/items"
            return Request("POST", url, body, h)
        body = {"name": f"Roadmap {i}"}
        return Request("POST", f"{urls['roadmap']}/v1/workspaces/{ws}/roadmaps", body, h)

    makers = (identity, feedback, discovery, strategy, roadmap)

    def make(i: int) -> Request:
        maker = makers[i % len(makers)]
        request = maker(i // len(makers), f"ws-{(i // 7) % WORKSPACES}")
        return Request(request.method, request.url, request.json, request.headers, maker.__name__)

    return make
