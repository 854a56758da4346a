"""Single sign-on on the dashboard: one button per configured provider (tradewind.oidc).

The provider flow itself lives in tradewind.oidc: its callback sets the same `tw_session`
cookie as the password form, so the dashboard needs nothing else to accept SSO sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from tradewind.context import AppContext

LOGIN_PATH = "/api/v1/auth/oidc/{name}/login"
LOGOUT_PATH = "/api/v1/auth/oidc/logout"


@dataclass(frozen=True, slots=True)
class SsoButton:
    label: str
    url: str
    ready: bool


def sso_buttons(ctx: AppContext, next_path: str) -> list[SsoButton]:
    return [
        SsoButton(
            label=provider.config.display_name or provider.name,
            url=LOGIN_PATH.format(name=provider.name) + "?" + urlencode({"next": next_path}),
            ready=provider.status() == "ok",
        )
        for provider in ctx.oidc.providers.values()
    ]


def sso_enabled(ctx: AppContext) -> bool:
    return ctx.oidc.enabled
