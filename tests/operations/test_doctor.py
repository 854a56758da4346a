"""`tradewind doctor`: the checks against real parts (the test database, local storage, a real
OIDC provider on loopback), and the command's output and exit code on a broken deployment."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import boto3
import pytest
import uvicorn
from fixtures.database import TestDatabase
from fixtures.oidc import MockProvider
from fixtures.s3server import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY
from fixtures.servers import clean_env, free_port, run
from pydantic import SecretStr

from tradewind.app import TradewindApp, create_app
from tradewind.doctor.checks import Finding, diagnose
from tradewind.settings import OIDCProviderSettings, Settings


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    return {finding.check: finding for finding in findings}


@pytest.fixture
async def empty_database(test_database: TestDatabase) -> AsyncIterator[None]:
    """The worker's test database without rows before and after: no keyring canary left by an
    earlier test, none left for a later one by the server this module starts."""
    await test_database.truncate_all()
    yield
    await test_database.truncate_all()


@pytest.mark.usefixtures("empty_database")
async def test_a_healthy_deployment_has_no_failure(settings: Settings) -> None:
    provider = MockProvider().start()
    try:
        configured = settings.model_copy(
            update={
                "metrics_token": SecretStr("scrape"),
                "oidc_providers": [
                    OIDCProviderSettings(name="corp", issuer=provider.issuer, client_id="tw")
                ],
            }
        )
        findings = by_check(await diagnose(configured))
    finally:
        provider.stop()
    assert findings["database"].status == "ok", findings["database"]
    assert findings["storage"].status == "ok", findings["storage"]
    assert findings["OIDC corp"].status == "ok", findings["OIDC corp"]
    assert findings["secret key"].status == "ok"
    # The test database holds no canary yet (no app was started): a probe is sealed instead.
    keys = findings["key provider local"]
    assert keys == Finding(
        "key provider local", "ok", "TRADEWIND_MASTER_KEY: seals and opens a probe"
    )
    assert "metrics" not in findings  # protected by a token: nothing to say
    # No server listens at the public URL in this test: said, but not a failure.
    assert findings["public URL"].status == "warn"
    assert not [f for f in findings.values() if f.status == "fail"]


@pytest.mark.usefixtures("empty_database")
async def test_public_url_of_a_running_server(settings: Settings) -> None:
    port = free_port()
    served = settings.model_copy(update={"public_base_url": f"http://127.0.0.1:{port}"})
    server = uvicorn.Server(uvicorn.Config(create_app(served), port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(600):  # bounds a broken start only
            if server.started:
                break
            await asyncio.sleep(0.05)
        findings = by_check(await diagnose(served))
    finally:
        server.should_exit = True
        await task
    assert findings["public URL"].status == "ok", findings["public URL"]


def test_a_broken_deployment_fails_with_reasons(tmp_path: Path) -> None:
    closed = free_port()
    env = clean_env(
        data_dir=str(tmp_path / "data"),
        database_url=f"postgresql://nobody@127.0.0.1:{closed}/none",
        secret_key="doctor-secret-doctor-secret-0123456789",
        oidc_providers=f'[{{"name": "corp", "issuer": "http://127.0.0.1:{closed}", '
        '"client_id": "tw"}]',
    )
    result = run(["doctor"], tmp_path, env)
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stderr
    assert "fail database: unreachable: ConnectionRefusedError" in output
    assert "fail OIDC corp: discovery:" in output
    assert "ok   storage: local: write, read and delete work" in output
    assert "failed" in output.splitlines()[-1]


def test_help_says_what_it_checks(tmp_path: Path) -> None:
    result = run(["doctor", "--help"], tmp_path, clean_env())
    assert result.returncode == 0
    for word in ("settings", "database", "storage", "public URL"):
        assert word in result.stdout


def other_master_key() -> SecretStr:
    return SecretStr(base64.b64encode(secrets.token_bytes(32)).decode())


async def test_the_key_must_open_the_databases_secrets(
    settings: Settings, app: TradewindApp
) -> None:
    """`app` started on the test database sealed its canary with the suite's master key."""
    findings = by_check(await diagnose(settings))
    assert findings["key provider local"].status == "ok"
    assert findings["key provider local"].detail.endswith("opens this database's secrets")
    wrong = settings.model_copy(update={"master_key": other_master_key()})
    finding = by_check(await diagnose(wrong))["key provider local"]
    assert finding.status == "fail", finding
    assert "TRADEWIND_MASTER_KEY" in finding.detail


@pytest.mark.usefixtures("empty_database")
async def test_a_fresh_local_install_has_no_key_yet(settings: Settings) -> None:
    keyless = settings.model_copy(update={"master_key": None})
    finding = by_check(await diagnose(keyless))["key provider local"]
    assert finding.status == "warn", finding
    assert finding.detail.startswith("no key yet, the first start creates it")


@pytest.mark.usefixtures("empty_database")
async def test_aws_kms_is_asked(settings: Settings, s3_server: str) -> None:
    """moto's KMS on loopback: a key that exists seals and opens; an unknown key fails."""
    kms = boto3.session.Session().client(
        "kms",
        endpoint_url=s3_server,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    key_id = str(kms.create_key(Description="doctor")["KeyMetadata"]["Arn"])
    configured = settings.model_copy(
        update={
            "key_provider": "aws-kms",
            "kms_key_id": key_id,
            "kms_endpoint_url": s3_server,
            "kms_region": REGION,
            "kms_access_key_id": ACCESS_KEY_ID,
            "kms_secret_access_key": SecretStr(SECRET_ACCESS_KEY),
        }
    )
    finding = by_check(await diagnose(configured))["key provider aws-kms"]
    assert finding == Finding(
        "key provider aws-kms", "ok", f"AWS KMS key {key_id}: seals and opens a probe"
    )
    unknown = configured.model_copy(update={"kms_key_id": "alias/no-such-key"})
    finding = by_check(await diagnose(unknown))["key provider aws-kms"]
    assert finding.status == "fail", finding
    assert "alias/no-such-key" in finding.detail
