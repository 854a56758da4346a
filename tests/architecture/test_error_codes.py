"""One declared list of error codes (tradewind.error_codes), checked against the source and the
docs: every code the source can answer with is declared with the status it is raised with,
every declared code is raised somewhere and documented, every documented code exists."""

from __future__ import annotations

import ast
import re

import pytest
from fixtures.doc_codes import DOCS, documented_codes
from fixtures.error_sites import code_sites
from fixtures.source_tree import modules

from tradewind.error_codes import CODES, envelope, envelope_bytes
from tradewind.serving.responses import ERROR_HEADER, error_answers
from tradewind.web.errors import _HTTP_CODES

pytestmark = pytest.mark.once  # reads source and docs only

# `code=` arguments that are not literals, each judged here. A forwarding helper's own
# `code` parameter is fine (its callers' literals are checked); so is `<error>.code`, which
# re-raises a code already checked at its raise site.
DYNAMIC_CODES = {
    # access.service._check: `what` is "organisation" or "application".
    "f'{what}_not_found'": {"organisation_not_found", "application_not_found"},
}
REFERENCE_PAGE = DOCS / "error-codes.md"


def test_every_code_in_the_source_is_declared_with_its_status() -> None:
    sites, _ = code_sites()
    assert len({site.code for site in sites}) > 100  # the walk finds the raise sites
    undeclared = [f"{site.where}: {site.code}" for site in sites if site.code not in CODES]
    assert not undeclared, "declare these codes in tradewind/error_codes.py:\n" + "\n".join(
        undeclared
    )
    wrong = [
        f"{site.where}: {site.code} raised with {site.status}, declared {CODES[site.code].status}"
        for site in sites
        if site.status is not None and CODES[site.code].status not in (None, site.status)
    ]
    assert not wrong, "status differs from the declared one:\n" + "\n".join(wrong)


def test_computed_codes_are_known_and_declared() -> None:
    _, dynamic = code_sites()
    unknown = [
        f"{d.where}: code={d.expression}"
        for d in dynamic
        if d.expression != "code"
        and not d.expression.endswith(".code")
        and d.expression not in DYNAMIC_CODES
    ]
    assert not unknown, "pass a literal code (or list the expression in DYNAMIC_CODES):\n" + (
        "\n".join(unknown)
    )
    for codes in DYNAMIC_CODES.values():
        assert codes <= CODES.keys()


def test_http_level_codes_are_declared() -> None:
    assert set(_HTTP_CODES.values()) | {"http_error"} <= CODES.keys()


def test_device_path_error_codes_are_declared_and_sent_in_the_header() -> None:
    for code, answer in error_answers(b"no-cache").items():
        assert code in CODES
        assert (ERROR_HEADER, code.encode()) in answer.start["headers"]
        assert answer.start["status"] == CODES[code].status


def _code_maps(module_tree: ast.Module) -> set[str]:
    """Names of the maps from error code to form field: passed to `form_errors(exc, MAP)`, or
    named `…_BY_CODE` / `…_OF_CODE`."""
    names = set()
    for node in ast.walk(module_tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "form_errors":
            names |= {a.id for a in node.args[1:2] if isinstance(a, ast.Name)}
        elif isinstance(node, ast.Name) and node.id.endswith(("_BY_CODE", "_OF_CODE")):
            names.add(node.id)
    return names


def _form_field_maps() -> list[tuple[str, str]]:
    """Keys of the dashboard's maps from error code to form field (`{"code": "field"}`)."""
    found = []
    for module in modules():
        maps = _code_maps(module.tree)
        for node in module.tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in maps
                and isinstance(node.value, ast.Dict)
            ):
                found += [
                    (f"{module.relative}:{node.lineno}", key.value)
                    for key in node.value.keys
                    if isinstance(key, ast.Constant) and isinstance(key.value, str)
                ]
    return found


def test_codes_the_dashboard_maps_to_form_fields_are_declared() -> None:
    fields = _form_field_maps()
    assert len({where.split(":")[0] for where, _ in fields}) >= 6  # the maps are found
    undeclared = [f"{where}: {code}" for where, code in fields if code not in CODES]
    assert not undeclared, "\n".join(undeclared)


def test_every_declared_code_is_raised_somewhere() -> None:
    sites, _ = code_sites()
    raised = {site.code for site in sites} | set(_HTTP_CODES.values()) | {"http_error"}
    for codes in DYNAMIC_CODES.values():
        raised |= codes
    unused = sorted(CODES.keys() - raised)
    assert not unused, f"declared but never raised (remove them, or raise them): {unused}"


def _reference_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in REFERENCE_PAGE.read_text().splitlines():
        match = re.fullmatch(r"\| `([a-z0-9_]+)` \| (\S+) \| (.+) \|", line)
        if match:
            rows[match[1]] = (match[2], match[3])
    return rows


def _expected_row(code: str) -> str:
    declared = CODES[code]
    status = "any" if declared.status is None else str(declared.status)
    return f"| `{code}` | {status} | {declared.doc} |"


def test_the_reference_page_lists_exactly_the_declared_codes() -> None:
    rows = _reference_rows()
    expected = {
        code: ("any" if c.status is None else str(c.status), c.doc) for code, c in CODES.items()
    }
    stale = [_expected_row(code) for code in CODES if rows.get(code) != expected[code]]
    assert not stale, f"add or correct these rows in {REFERENCE_PAGE.name}:\n" + "\n".join(stale)
    unknown = sorted(rows.keys() - CODES.keys())
    assert not unknown, f"{REFERENCE_PAGE.name} lists codes that are not declared: {unknown}"
    assert list(rows) == sorted(rows), f"keep {REFERENCE_PAGE.name} in alphabetical order"


def test_every_code_the_docs_list_exists_with_its_status() -> None:
    documented = documented_codes()
    assert len({d.code for d in documented}) > 100  # the tables are found
    unknown = [f"{d.where}: {d.code}" for d in documented if d.code not in CODES]
    assert not unknown, "documented codes that do not exist:\n" + "\n".join(unknown)
    wrong = [
        f"{d.where}: {d.code} documented {d.status}, declared {CODES[d.code].status}"
        for d in documented
        if d.status is not None and CODES[d.code].status not in (None, d.status)
    ]
    assert not wrong, "\n".join(wrong)


def test_one_envelope() -> None:
    body = envelope("not_found", "no such thing", {"id": 3})
    expected = {"code": "not_found", "message": "no such thing", "details": {"id": 3}}
    assert body == {"error": expected}
    assert envelope_bytes("not_found", "x") == (
        b'{"error":{"code":"not_found","message":"x","details":{}}}'
    )
