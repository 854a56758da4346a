"""Group mapping: `/<org>/<role>` and `/<org>/<app>/<role>` groups become memberships managed
by the provider, refreshed at every sign-in, never touching memberships granted by hand."""

from __future__ import annotations

from fixtures.oidc import MockProvider
from fixtures.oidc_harness import SSO, SsoFactory
from sqlalchemy import select

from tradewind.models import Application, AppMember, AuditEvent, Organisation, OrgMember
from tradewind.oidc.groups import desired_roles


def test_desired_roles_parsing() -> None:
    roles = desired_roles(
        [
            "/acme/read",
            "/acme/write",  # the highest role per scope wins
            "/acme/shop/ADMIN",
            "/acme/shop/read",
            "/acme/bogus",  # not a role
            "acme/admin",  # not a path
            "/a/b/c/owner",  # too deep
            "//admin",
            "/beta/owner ",
        ]
    )
    assert {k: v.value for k, v in roles.items()} == {
        ("acme", None): "write",
        ("acme", "shop"): "admin",
        ("beta", None): "owner",
    }


async def memberships(sso: SSO, email: str) -> dict[str, tuple[str, str | None]]:
    """'org' or 'org/app' → (role, managed_by) for the user."""
    user = await sso.user(email)
    assert user is not None
    async with sso.app.ctx.db.unit_of_work() as session:
        orgs = await session.execute(
            select(Organisation.name, OrgMember.role, OrgMember.managed_by)
            .join(OrgMember, OrgMember.org_id == Organisation.id)
            .where(OrgMember.user_id == user.id)
        )
        apps = await session.execute(
            select(Organisation.name, Application.name, AppMember.role, AppMember.managed_by)
            .join(Application, Application.org_id == Organisation.id)
            .join(AppMember, AppMember.app_id == Application.id)
            .where(AppMember.user_id == user.id)
        )
        result = {org: (role, managed) for org, role, managed in orgs.tuples()}
        result |= {f"{o}/{a}": (role, managed) for o, a, role, managed in apps.tuples()}
    return result


async def grant_by_hand(sso: SSO, email: str, org_name: str, role: str) -> None:
    user = await sso.user(email)
    assert user is not None
    async with sso.app.ctx.db.unit_of_work() as session:
        org = await session.scalar(select(Organisation).where(Organisation.name == org_name))
        assert org is not None
        session.add(OrgMember(org_id=org.id, user_id=user.id, role=role, managed_by=None))


async def test_groups_map_to_memberships_and_follow_changes(
    sso: SSO, provider: MockProvider
) -> None:
    await sso.create_org("acme", apps=("shop", "ops"))
    await sso.create_org("beta")
    await sso.create_user("gus@example.com")
    await grant_by_hand(sso, "gus@example.com", "beta", "owner")
    managed = "oidc:mock"

    groups = ["/acme/write", "/acme/shop/admin", "/beta/read", "/ghost/admin", "/staff"]
    provider.set_user("sub-gus", email="gus@example.com", groups=groups)
    assert (await sso.sign_in("sub-gus")).status_code == 303
    assert await memberships(sso, "gus@example.com") == {
        "acme": ("write", managed),
        "acme/shop": ("admin", managed),
        "beta": ("owner", None),  # granted by hand: left alone
    }

    provider.set_user("sub-gus", email="gus@example.com", groups=["/acme/read", "/acme/ops/write"])
    assert (await sso.sign_in("sub-gus")).status_code == 303
    assert await memberships(sso, "gus@example.com") == {
        "acme": ("read", managed),
        "acme/ops": ("write", managed),
        "beta": ("owner", None),
    }

    provider.set_user("sub-gus", email="gus@example.com", groups=[])
    assert (await sso.sign_in("sub-gus")).status_code == 303
    assert await memberships(sso, "gus@example.com") == {"beta": ("owner", None)}

    async with sso.app.ctx.db.unit_of_work() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("member.%"))
                .order_by(AuditEvent.id)
            )
        )
    assert actions == [
        "member.add",
        "member.add",
        "member.change_role",
        "member.remove",
        "member.add",
        "member.remove",
        "member.remove",
    ]


async def test_last_owner_is_never_removed(sso: SSO, provider: MockProvider) -> None:
    await sso.create_org("gamma")
    provider.set_user("sub-o", email="o@example.com", groups=["/gamma/owner"])
    assert (await sso.sign_in("sub-o")).status_code == 303
    provider.set_user("sub-o", email="o@example.com", groups=["/gamma/read"])
    assert (await sso.sign_in("sub-o")).status_code == 303
    assert await memberships(sso, "o@example.com") == {"gamma": ("owner", "oidc:mock")}
    # Once someone else owns it, the claim is followed.
    await sso.create_user("other@example.com")
    await grant_by_hand(sso, "other@example.com", "gamma", "owner")
    assert (await sso.sign_in("sub-o")).status_code == 303
    assert await memberships(sso, "o@example.com") == {"gamma": ("read", "oidc:mock")}


async def test_bearer_tokens_sync_groups_too(sso: SSO, provider: MockProvider) -> None:
    await sso.create_org("acme", apps=("shop",))
    token = provider.mint(sub="sub-t", email="t@example.com", groups=["/acme/shop/write"])
    r = await sso.client.get(
        "/api/v1/orgs/acme/apps/shop", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    assert await memberships(sso, "t@example.com") == {"acme/shop": ("write", "oidc:mock")}
    token = provider.mint(sub="sub-t", email="t@example.com", groups=[])
    r = await sso.client.get(
        "/api/v1/orgs/acme/apps/shop", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 404
    assert await memberships(sso, "t@example.com") == {}


async def test_custom_claim_and_mapping_off(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso = await sso_factory(
        provider.settings(name="kc", groups_claim="roles"),
        provider.settings(name="off", group_mapping=False, client_id="other"),
    )
    await sso.create_org("acme")
    provider.set_user("sub-r", email="r@example.com", roles=["/acme/admin"], groups=["/acme/read"])
    assert (await sso.sign_in("sub-r", provider="kc")).status_code == 303
    assert await memberships(sso, "r@example.com") == {"acme": ("admin", "oidc:kc")}
    provider.set_user("sub-s", email="s@example.com", groups=["/acme/admin"])
    assert (await sso.sign_in("sub-s", provider="off")).status_code == 303
    assert await memberships(sso, "s@example.com") == {}


async def test_leaving_the_last_group_removes_managed_roles(
    sso: SSO, provider: MockProvider
) -> None:
    """Keycloak sends no groups claim at all for a user in no group: at the next interactive
    sign-in that means "no group", and only the roles the provider granted go."""
    await sso.create_org("beta", apps=("shop",))
    await sso.create_org("acme")
    await sso.create_user("lea@example.com")
    await grant_by_hand(sso, "lea@example.com", "acme", "write")
    provider.set_user("sub-lea", email="lea@example.com", groups=["/beta/read", "/beta/shop/admin"])
    assert (await sso.sign_in("sub-lea")).status_code == 303
    assert await memberships(sso, "lea@example.com") == {
        "acme": ("write", None),
        "beta": ("read", "oidc:mock"),
        "beta/shop": ("admin", "oidc:mock"),
    }
    provider.set_user("sub-lea", email="lea@example.com")  # no groups claim, ID token nor userinfo
    assert "groups" not in provider.user_claims("sub-lea")
    assert (await sso.sign_in("sub-lea")).status_code == 303
    assert await memberships(sso, "lea@example.com") == {"acme": ("write", None)}
    async with sso.app.ctx.db.unit_of_work() as session:
        removals = await session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "member.remove")
        )
        assert [d["managed_by"] for d in removals] == ["oidc:mock", "oidc:mock"]


async def test_missing_claim_kept_when_the_provider_says_so(
    sso_factory: SsoFactory, provider: MockProvider
) -> None:
    sso = await sso_factory(provider.settings(missing_groups_claim="keep"))
    await sso.create_org("beta")
    provider.set_user("sub-k", email="k@example.com", groups=["/beta/write"])
    assert (await sso.sign_in("sub-k")).status_code == 303
    provider.set_user("sub-k", email="k@example.com")
    assert (await sso.sign_in("sub-k")).status_code == 303
    assert await memberships(sso, "k@example.com") == {"beta": ("write", "oidc:mock")}
    # An explicit empty list still means "no group".
    provider.set_user("sub-k", email="k@example.com", groups=[])
    assert (await sso.sign_in("sub-k")).status_code == 303
    assert await memberships(sso, "k@example.com") == {}


async def test_bearer_token_without_the_claim_keeps_roles(sso: SSO, provider: MockProvider) -> None:
    """An access token may lack the groups scope: only a token that carries the claim syncs."""
    await sso.create_org("acme", apps=("shop",))
    token = provider.mint(sub="sub-b", email="b@example.com", groups=["/acme/shop/write"])
    r = await sso.client.get(
        "/api/v1/orgs/acme/apps/shop", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    token = provider.mint(sub="sub-b", email="b@example.com")
    r = await sso.client.get(
        "/api/v1/orgs/acme/apps/shop", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    assert await memberships(sso, "b@example.com") == {"acme/shop": ("write", "oidc:mock")}
