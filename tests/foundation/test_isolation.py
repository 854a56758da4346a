"""The test kit's own guarantees: apps never share a context, and the database is emptied."""

from __future__ import annotations

from fastapi import FastAPI
from fixtures.apps import started_app
from fixtures.database import TestDatabase
from fixtures.users import UserFactory
from sqlalchemy import func, select
from starlette.routing import Mount

from tradewind.app import TradewindApp
from tradewind.models import Base, User
from tradewind.settings import Settings


def dashboard_of(app: TradewindApp) -> FastAPI:
    (mount,) = [r for r in app.api.routes if isinstance(r, Mount) and r.path == "/dashboard"]
    assert isinstance(mount.app, FastAPI)
    return mount.app


async def test_running_apps_never_share_routing(settings: Settings) -> None:
    async with started_app(settings) as first, started_app(settings) as second:
        assert first.api is not second.api
        assert first.ctx is not second.ctx
        for app in (first, second):
            assert app.api.state.ctx is app.ctx
            assert dashboard_of(app).state.ctx is app.ctx


async def test_pooled_routing_is_rebound_to_the_new_context(settings: Settings) -> None:
    async with started_app(settings) as first:
        routing = first.api
    async with started_app(settings) as again:
        assert again.api is routing
        assert again.ctx is not first.ctx
        assert again.api.state.ctx is again.ctx
        assert dashboard_of(again).state.ctx is again.ctx


async def test_emptying_leaves_no_rows_and_restarts_ids(
    app: TradewindApp, users: UserFactory, test_database: TestDatabase
) -> None:
    await users.create()
    await users.create()
    await test_database.truncate_all()
    async with app.ctx.db.unit_of_work() as session:
        for table in Base.metadata.sorted_tables:
            assert await session.scalar(select(func.count()).select_from(table)) == 0, table
    signed_in = await users.create()
    assert signed_in.user_id == 1
    async with app.ctx.db.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1
