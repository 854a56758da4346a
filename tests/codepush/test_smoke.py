from fixtures.codepush import CodePushKit


async def test_first_release_is_offered(kit: CodePushKit) -> None:
    key = await kit.key()
    assert len(key) >= 32
    released = await kit.released(
        {"CodePush/index.android.bundle": b"console.log(1)"}, description="first"
    )
    assert released["label"] == "v1"
    info = await kit.info(deployment_key=key, app_version="1.0.0")
    assert info["is_available"] is True
    assert info["label"] == "v1"
    r = await kit.client.get(info["download_url"])
    assert r.status_code == 200
