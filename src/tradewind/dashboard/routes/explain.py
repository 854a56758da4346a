"""The explain form: for a device context and identifier, which release it gets and why."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tradewind.access.roles import Role
from tradewind.dashboard.forms import form_errors, parse, recoverable
from tradewind.dashboard.render import is_htmx, render
from tradewind.dashboard.requirements import app_role
from tradewind.dashboard.session import on_app
from tradewind.dimensions import service as dimensions
from tradewind.errors import TradewindError
from tradewind.releases import views
from tradewind.releases.schemas import ExplainIn, ExplainOut
from tradewind.serving.compiler import parse_dimensions

router = APIRouter(prefix="/orgs/{org}/apps/{app}/explain")


@router.get("", dependencies=app_role(Role.READ))
async def explain(
    request: Request,
    org: str,
    app: str,
    context: str | None = None,
    identifier: str = "",
    channel: str = "production",
) -> Response:
    """Without `context` the empty form; with it (even empty) the explanation too."""
    values = {"context": context or "", "identifier": identifier, "channel": channel}
    errors: dict[str, str] = {}
    result: ExplainOut | None = None
    async with on_app(request, org, app) as (session, _, found):
        if context is not None:
            try:
                body = parse(
                    ExplainIn,
                    {
                        # The x-dimension header format; one pair per line works too.
                        "context": parse_dimensions(context.replace("\n", ";")),
                        "identifier": identifier.strip() or None,
                        "channel": channel.strip() or "production",
                    },
                )
                result = await views.explain(session, found.app, body)
            except TradewindError as exc:
                if not recoverable(exc):
                    raise
                errors = form_errors(exc)
        dims = await dimensions.list_dimensions(session, found.app.id)
        page = {
            "org": found.org,
            "app": found.app,
            "role": found.role,
            "tab": "explain",
            "dimensions": sorted(dims, key=lambda d: d.position, reverse=True),
            "values": values,
            "errors": errors,
            "result": result,
        }
        template = "releases/_explanation.html" if is_htmx(request) else "releases/explain.html"
        return render(request, template, page, status=422 if errors else 200)
