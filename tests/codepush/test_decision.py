"""The reference server's acquisition suite (api/test/acquisition.ts), ported case by case onto
the decision function, plus the choices Tradewind makes where that suite and server disagree."""

from __future__ import annotations

import pytest

from tradewind.codepush.decision import Answer, Entry, Request, decide, in_rollout, js_hash
from tradewind.codepush.versions import greater_than_range, normalise, satisfies, valid_version

pytestmark = pytest.mark.once


def entry(
    label: str,
    package_hash: str,
    app_version: str = "1.0.0",
    mandatory: bool = False,
    disabled: bool = False,
    rollout: float = 100,
    diffs: dict[str, tuple[str, int]] | None = None,
    size: int = 0,
) -> Entry:
    return Entry(
        release_id=int(label[1:]),
        label=label,
        package_hash=package_hash,
        app_version=app_version,
        is_mandatory=mandatory,
        is_disabled=disabled,
        rollout=rollout,
        description=f"Test package {label}",
        url=f"http://blobs/{label}",
        size=size,
        diffs=diffs or {},
    )


def ask(
    history: list[Entry],
    app_version: str = "1.0.0",
    package_hash: str | None = None,
    label: str | None = None,
    companion: bool = False,
    ignore_rollouts: bool = False,
) -> Answer:
    request = Request(normalise(app_version), package_hash, label, companion)
    return decide(history, request, ignore_rollouts)


# "Get /updateCheck": v1 optional, v2 mandatory, v3 optional, all for 1.0.0, with diff maps.
MAIN = [
    entry("v1", "hash100", diffs={"hash99": ("http://diff1", 1)}, size=2),
    entry("v2", "hash101", mandatory=True, diffs={"hash100": ("http://diff2", 3)}, size=4),
    entry("v3", "hash102", diffs={"hash101": ("http://diff3", 5)}, size=6),
]


def test_no_hash_no_label_escalates_over_the_skipped_mandatory_release() -> None:
    answer = ask(MAIN)
    assert (answer.is_available, answer.download_url, answer.package_size) == (
        True,
        "http://blobs/v3",
        6,
    )
    assert answer.is_mandatory is True and answer.label == "v3"


def test_identified_by_hash_alone_stops_at_the_release_it_runs() -> None:
    """Where the reference server and its suite disagree: a device on v2 (known by its hash
    only) has v2 already, so v3 is optional, and it gets the diff from v2."""
    answer = ask(MAIN, package_hash="hash101")
    assert (answer.download_url, answer.package_size, answer.is_mandatory) == (
        "http://diff3",
        5,
        False,
    )


def test_unknown_hash_escalates_and_gets_the_full_zip() -> None:
    answer = ask(MAIN, package_hash="hash-from-the-binary")
    assert (answer.download_url, answer.package_size, answer.is_mandatory) == (
        "http://blobs/v3",
        6,
        True,
    )


def test_optional_v3_from_v2_labelled_request() -> None:
    answer = ask(MAIN, package_hash="hash101", label="v2")
    assert (answer.label, answer.download_url, answer.is_mandatory) == ("v3", "http://diff3", False)


def test_mandatory_v3_from_v1_labelled_request() -> None:
    answer = ask(MAIN, package_hash="hash100", label="v1")
    assert (answer.label, answer.download_url, answer.is_mandatory) == (
        "v3",
        "http://blobs/v3",
        True,
    )


def test_lesser_app_version_is_told_to_update_the_binary() -> None:
    answer = ask(MAIN, app_version="0.0.8", package_hash="hash101")
    assert answer.is_available is False and answer.update_app_version is True
    assert answer.app_version == "1.0.0" and answer.should_run_binary_version is True


def test_greater_app_version_gets_no_update_and_the_range() -> None:
    answer = ask(MAIN, app_version="1.0.1", package_hash="hash101")
    assert answer.is_available is False and answer.update_app_version is False
    assert answer.app_version == "1.0.0"


@pytest.mark.parametrize("version", ["0.0.8", "1.0.0", "2.0.0"])
def test_companion_ignores_the_binary_version(version: str) -> None:
    answer = ask(MAIN, app_version=version, package_hash="hash101", companion=True)
    assert answer.is_available is True and answer.label == "v3"


def test_latest_package_means_no_update() -> None:
    assert ask(MAIN, package_hash="hash102").is_available is False
    assert ask(MAIN, package_hash="hash102", label="v3").is_available is False


def test_empty_history_runs_the_binary() -> None:
    answer = ask([])
    assert answer.is_available is False and answer.should_run_binary_version is True


# "Any binary can get an update"
ANY = [
    entry("v1", "hash100", "1.0.0"),
    entry("v2", "hash101", "1.0.0", mandatory=True),
    entry("v3", "hash202", "2.0.0"),
    entry("v4", "hash103", "1.0.0"),
    entry("v5", "hash304", "3.0.0", mandatory=True),
    entry("v6", "hash205", "2.0.0"),
    entry("v7", "hash306", "3.0.0"),
]


def test_latest_update_for_a_1_0_0_binary() -> None:
    answer = ask(ANY)
    assert (answer.label, answer.app_version, answer.is_mandatory) == ("v4", "1.0.0", True)
    assert ask(ANY, package_hash="hash100").label == "v4"
    assert ask(ANY, package_hash="hash100").is_mandatory is True


def test_1_0_0_binary_on_its_latest_package_is_told_about_3_0_0() -> None:
    answer = ask(ANY, package_hash="hash103")
    assert answer.is_available is False and answer.update_app_version is True
    assert answer.app_version == "3.0.0"


def test_2_0_0_and_3_0_0_binaries_on_older_packages() -> None:
    answer = ask(ANY, app_version="2.0.0", package_hash="hash100")
    assert (answer.label, answer.app_version) == ("v6", "2.0.0")
    answer = ask(ANY, app_version="3.0.0", package_hash="hash304")
    assert (answer.label, answer.is_mandatory) == ("v7", False)
    latest = ask(ANY, app_version="3.0.0", package_hash="hash306")
    assert latest.is_available is False and latest.update_app_version is False


# "Updates can target a range of binary versions"
RANGES = [
    entry("v1", "hash100", "*"),
    entry("v2", "hash101", "^1.0.0", mandatory=True),
    entry("v3", "hash103", ">=1.1.0 <1.2.0"),
]


def test_ranges() -> None:
    answer = ask(RANGES, app_version="2.0.0")
    assert (answer.label, answer.app_version, answer.is_mandatory) == ("v1", "2.0.0", False)
    answer = ask(RANGES, app_version="1.0.1")
    assert (answer.label, answer.is_mandatory) == ("v2", True)
    notice = ask(RANGES, app_version="0.0.1", package_hash="hash100")
    assert notice.is_available is False and notice.update_app_version is True
    assert notice.app_version == ">=1.1.0 <1.2.0"
    above = ask(RANGES, app_version="3.0.0", package_hash="hash100")
    assert above.is_available is False and above.update_app_version is False
    assert ask(RANGES, app_version="1.1.5", package_hash="hash100").label == "v3"


# "Disabled updates are ignored completely"
DISABLED = [
    entry("v1", "hash100", "*", mandatory=True),
    entry("v2", "hash100", "*"),
    entry("v3", "hash101", "*", mandatory=True, disabled=True),
    entry("v4", "hash102", "2.0.0"),
]


def test_disabled_releases_are_ignored() -> None:
    answer = ask(DISABLED, app_version="1.0.0")
    assert (answer.label, answer.is_mandatory) == ("v2", True)
    answer = ask(DISABLED, app_version="2.0.0", package_hash="hash100", label="v1")
    assert (answer.label, answer.is_mandatory) == ("v4", False)


def test_every_release_disabled_means_no_update() -> None:
    answer = ask([entry("v1", "h1", "*", disabled=True)])
    assert answer.is_available is False and answer.update_app_version is False


def test_an_unfinished_rollout_is_skipped_when_ignoring_rollouts() -> None:
    history = [entry("v1", "h1", "*"), entry("v2", "h2", "*", rollout=30)]
    assert ask(history).label == "v2" and ask(history).rollout == 30
    assert ask(history, ignore_rollouts=True).label == "v1"


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("2", "2.0.0"),
        ("2.0", "2.0.0"),
        ("1.0+metadata", "1.0.0+metadata"),
        ("2.0-beta", "2.0.0-beta"),
        ("1.2.3", "1.2.3"),
        ("1.2.3.4", "1.2.3.4"),
    ],
)
def test_version_normalisation(given: str, normalised: str) -> None:
    assert normalise(given) == normalised


@pytest.mark.parametrize("bad", ["", "abc", "1.2.3.4", "1..2", "x" * 200, "1.0.0 || 2"])
def test_invalid_versions(bad: str) -> None:
    assert valid_version(normalise(bad)) is None


def test_pre_release_of_a_missing_patch_version_is_not_in_its_range() -> None:
    assert not satisfies(normalise("1.0-beta"), "1.0.0")
    assert ask(MAIN, app_version="1.0-beta").is_available is False


def test_greater_than_range() -> None:
    assert greater_than_range("2.0.0", "^1.2.0")
    assert not greater_than_range("1.0.0", "^1.2.0")
    assert not greater_than_range("3.0.0", "*")
    assert greater_than_range("2.1.0", "1.0.0 || 2.0.0")
    assert not greater_than_range("1.5.0", "1.0.0 || 2.0.0")


def test_rollout_hash_matches_javascript() -> None:
    assert js_hash("dev-1-v2") == -3242729392  # computed by Node with the reference code
    assert abs(js_hash("dev-1-v2")) % 100 == 92
    assert in_rollout("dev-1", 93, "v2") and not in_rollout("dev-1", 92, "v2")
    assert js_hash("") == 0
