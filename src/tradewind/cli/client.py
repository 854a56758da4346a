"""The HTTP client of the CLI: one place that turns transport failures and error answers into
`CliError`s with the documented exit codes (see `tradewind.cli.errors`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tradewind.cli.errors import ServerRefused, Unreachable, UsageProblem

if TYPE_CHECKING:
    import httpx

API = "/api/v1"
# Answers a gateway gives when the server behind it is down: "cannot reach", not "refused".
_GATEWAY_STATUSES = frozenset({502, 503, 504})


def cli_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tradewind")
    except PackageNotFoundError:
        return "unknown"


def seg(value: str | int) -> str:
    """One URL path segment, percent-encoded (names are slugs, but never trust input)."""
    return quote(str(value), safe="")


def file_path(path: str) -> str:
    """A file path inside an application, kept as several URL segments."""
    return quote(path, safe="/")


def app_path(org: str, app: str) -> str:
    return f"{API}/orgs/{seg(org)}/apps/{seg(app)}"


class ApiClient:
    """A synchronous client for the management API, authenticated by a bearer token."""

    def __init__(self, server: str, token: str | None, *, timeout: float = 60.0) -> None:
        import httpx  # not at module level: `tradewind --help` starts faster without it

        headers = {"User-Agent": f"tradewind-cli/{cli_version()}", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.server = server
        self._http = httpx.Client(
            base_url=server,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=10.0),
            follow_redirects=False,
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json=body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json=body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        content: Iterable[bytes] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request; the decoded JSON answer, or None for an empty one."""
        import httpx

        try:
            response = self._http.request(
                method,
                path,
                json=json,
                params={k: v for k, v in (params or {}).items() if v is not None},
                content=content,
                headers=headers,
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise UsageProblem("invalid_server_url", f"{self.server}: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise Unreachable(
                "timeout", f"no answer from {self.server} in time ({type(exc).__name__})"
            ) from exc
        except httpx.HTTPError as exc:
            raise Unreachable("unreachable", f"cannot reach {self.server}: {_reason(exc)}") from exc
        return self._decode(response)

    def _decode(self, response: httpx.Response) -> Any:
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError as exc:
                raise ServerRefused(
                    response.status_code,
                    "invalid_response",
                    f"{self.server} answered {response.status_code} with a body that is not JSON"
                    " — is this a Tradewind server?",
                ) from exc
        raise self._refusal(response)

    def _refusal(self, response: httpx.Response) -> Exception:
        status = response.status_code
        error = _error_envelope(response)
        if error is not None:
            return ServerRefused(
                status,
                str(error.get("code") or f"http_{status}"),
                str(error.get("message") or response.reason_phrase),
                error.get("details") if isinstance(error.get("details"), dict) else None,
            )
        if status in _GATEWAY_STATUSES:
            return Unreachable(
                "bad_gateway", f"{self.server} answered HTTP {status} {response.reason_phrase}"
            )
        if 300 <= status < 400:
            location = response.headers.get("location", "?")
            return ServerRefused(
                status, "redirected", f"the server redirects to {location}: check the server URL"
            )
        return ServerRefused(
            status,
            f"http_{status}",
            f"{self.server} answered HTTP {status} {response.reason_phrase}"
            " without a Tradewind error body — is this a Tradewind server?",
        )


def _error_envelope(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def _reason(exc: httpx.HTTPError) -> str:
    # httpx wraps OS errors; the innermost message ("Connection refused") is the useful one.
    cause: BaseException = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    text = str(cause) or str(exc) or type(exc).__name__
    return text.split("] ", 1)[-1] if text.startswith("[Errno") else text
