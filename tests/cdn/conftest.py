from __future__ import annotations

import pytest
from fixtures.cdn import make_distribution


@pytest.fixture
def cloudfront(s3_server: str) -> tuple[object, str]:
    """A CloudFront client on moto's standalone server and a fresh distribution's id."""
    return make_distribution(s3_server)
