"""The errors a client command can end with, each bound to its documented exit code.

0 success; 1 the server refused (its error code and message are shown); 2 usage error (bad
arguments, missing login, unreadable local file); 3 the server cannot be reached.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tradewind.error_codes import envelope

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


class CliError(Exception):
    exit_code: ClassVar[int] = EXIT_REFUSED

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}

    def envelope(self) -> dict[str, Any]:
        return envelope(self.code, self.message, self.details)


class ServerRefused(CliError):
    """The server answered with an error (4xx/5xx); `code` is the server's stable error code."""

    exit_code = EXIT_REFUSED

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(code, message, details)
        self.status = status


class UsageProblem(CliError):
    """The command cannot run as invoked: wrong arguments, no credentials, unreadable input."""

    exit_code = EXIT_USAGE


class Unreachable(CliError):
    """No answer from the server: connection refused, DNS failure, timeout, broken gateway."""

    exit_code = EXIT_UNREACHABLE
