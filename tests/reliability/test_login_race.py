"""The per-account sign-in limit holds against a parallel burst (finding 1)."""

from __future__ import annotations

import asyncio
from collections import Counter

from fixtures.users import DEFAULT_PASSWORD, UserFactory
from httpx import AsyncClient

from tradewind.app import TradewindApp

BURST = 40


async def _attempt(client: AsyncClient, password: str) -> int:
    r = await client.post(
        "/api/v1/auth/login", json={"email": "target@example.com", "password": password}
    )
    return r.status_code


async def test_parallel_wrong_passwords_check_at_most_the_limit(
    app: TradewindApp, client: AsyncClient, users: UserFactory
) -> None:
    await users.create("target@example.com")
    limit = app.ctx.settings.login_max_failures_per_account
    statuses = await asyncio.gather(*(_attempt(client, f"wrong-guess-{i}") for i in range(BURST)))
    counts = Counter(statuses)
    assert set(counts) <= {401, 429}, counts
    assert 1 <= counts[401] <= limit, counts
    # Locked now, even for the right password.
    assert await _attempt(client, DEFAULT_PASSWORD) == 429


async def test_right_password_inside_a_burst_is_no_loophole(
    app: TradewindApp, client: AsyncClient, users: UserFactory
) -> None:
    await users.create("target@example.com")
    limit = app.ctx.settings.login_max_failures_per_account
    guesses = [f"wrong-guess-{i}" for i in range(BURST - 1)] + [DEFAULT_PASSWORD]
    statuses = await asyncio.gather(*(_attempt(client, p) for p in guesses))
    counts = Counter(statuses)
    assert set(counts) <= {200, 401, 429}, counts
    assert counts[401] <= limit, counts
    assert counts[200] + counts[401] <= limit + 1, counts


async def test_a_success_still_clears_earlier_failures(
    app: TradewindApp, client: AsyncClient, users: UserFactory
) -> None:
    await users.create("target@example.com")
    limit = app.ctx.settings.login_max_failures_per_account
    for _ in range(limit - 1):
        assert await _attempt(client, "wrong-guess") == 401
    assert await _attempt(client, DEFAULT_PASSWORD) == 200
    for _ in range(limit - 1):
        assert await _attempt(client, "wrong-guess") == 401
    assert await _attempt(client, DEFAULT_PASSWORD) == 200
