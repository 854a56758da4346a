"""The protocol-neutral signal model: what every device protocol reports, by one name each.

Checks are keyed by the release served (0: none) and the package version the device runs now;
events by the release they concern (0: unknown) and the package version being installed (the
target version when the event has one, else the current one).
"""

from __future__ import annotations

from enum import StrEnum


class Metric(StrEnum):
    CHECK = "check"
    # Also counted, with the same keys, when a check carried no device identifier.
    CHECK_ANONYMOUS = "check_anonymous"
    UPDATE_AVAILABLE = "update_available"
    DOWNLOAD_STARTED = "download_started"
    DOWNLOAD_COMPLETED = "download_completed"
    DOWNLOAD_FAILED = "download_failed"
    INSTALL_SUCCEEDED = "install_succeeded"
    INSTALL_FAILED = "install_failed"
    ROLLBACK = "rollback"
    # A check whose x-dimension carried a key the application defines no dimension for; the
    # package_version column holds the key (release_id 0). Targeting ignores such keys.
    UNDEFINED_KEY = "undefined_key"


# The longest package version kept; longer ones are cut (the column is VARCHAR(64)).
MAX_PACKAGE_VERSION = 64
