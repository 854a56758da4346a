"""The layering rules of docs/architecture.md, enforced on the source tree (`ast`, no imports).

Each rule names its exceptions with the reason; a new module is covered the moment it exists.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import pytest
from fixtures.source_tree import Module, by_name, modules, resolve, within

pytestmark = pytest.mark.once  # reads source files only

FRAMEWORKS = ("fastapi", "starlette")
# `tradewind.front` is the process's ASGI entry (it builds `tradewind.app` in the background).
ENTRY_POINTS = (
    "tradewind.app",
    "tradewind.front",
    "tradewind.web",
    "tradewind.dashboard",
    "tradewind.cli",
)
# The raw ASGI handlers of the device paths (and the metrics route label reader) use
# Starlette's type aliases of the ASGI interface (Scope, Receive, Send); no framework code runs
# on those paths.
ASGI_TYPES = "starlette.types"
ASGI_HANDLERS = {
    "tradewind.serving.handler",
    "tradewind.assets.handler",
    "tradewind.codepush.handler",
    "tradewind.codepush.reports",
    "tradewind.expo.handler",
    "tradewind.expo.bundles",
    "tradewind.expo.setup",
    "tradewind.metrics.http",
}
# Where the process-wide objects live; domain modules may refer to it for typing only.
COMPOSITION_ROOT = "tradewind.context"


def is_api(name: str) -> bool:
    """A domain's HTTP routes (`tradewind.<domain>.api`): the web edge of that domain."""
    parts = name.split(".")
    return len(parts) == 3 and parts[2] == "api"


def is_edge(name: str) -> bool:
    """Modules that may use the web framework: the app, web/, dashboard/, cli/ and `*.api`."""
    return within(name, *ENTRY_POINTS) or is_api(name)


def domain_modules() -> list[Module]:
    return [m for m in modules() if not is_edge(m.name) and not within(m.name, "tradewind.web")]


def test_the_rules_see_the_domain() -> None:
    names = {m.name for m in domain_modules()}
    assert {"tradewind.releases.service", "tradewind.members.repository"} <= names
    assert not {"tradewind.releases.api", "tradewind.dashboard.app"} & names


def test_domain_modules_never_import_the_web_layer() -> None:
    """Services, repositories and every other domain module stay free of FastAPI/Starlette,
    of tradewind.web, the dashboard, the CLI, the app and every domain's `api` module."""
    offences = []
    for module in domain_modules():
        for imported in module.imports():
            target = imported.target
            if module.name in ASGI_HANDLERS and within(target, ASGI_TYPES):
                continue
            loaded = resolve(target) or ""
            if within(target, *FRAMEWORKS) or is_edge(loaded):
                offences.append(f"{module.relative}:{imported.line} imports {target}")
    assert not offences, "domain code importing the web layer:\n" + "\n".join(offences)


def test_nothing_imports_the_moved_app_context_path() -> None:
    offences = [
        f"{module.relative}:{imported.line}"
        for module in modules()
        if module.name != "tradewind.web.context"
        for imported in module.imports()
        if within(imported.target, "tradewind.web.context")
    ]
    assert not offences, f"import AppContext from {COMPOSITION_ROOT}, not web.context: {offences}"


# --- only repositories build or run SQL -----------------------------------------------------

# SQLAlchemy's statement and expression constructors. Importing one (from `sqlalchemy`,
# `sqlalchemy.sql…` or a dialect such as `sqlalchemy.dialects.postgresql`) is building SQL;
# so is calling `.execute(…)`, `.scalar(…)`, `.scalars(…)` or `.exec_driver_sql(…)` on a
# session or connection. Types (AsyncSession), exceptions (sqlalchemy.exc) and ORM-level unit
# of work calls (`session.add`, `flush`) are not SQL by this definition.
SQL_CONSTRUCTS = frozenset(
    {
        "select",
        "insert",
        "update",
        "delete",
        "text",
        "func",
        "case",
        "exists",
        "union",
        "union_all",
        "and_",
        "or_",
        "not_",
        "literal",
        "literal_column",
        "bindparam",
        "tuple_",
        "values",
        "cast",
        "column",
        "table",
    }
)
SQL_CALLS = frozenset({"execute", "scalar", "scalars", "exec_driver_sql"})
SQL_MODULES = ("sqlalchemy", "sqlalchemy.sql", "sqlalchemy.dialects")

# Modules that are not repositories but may build SQL, each with its reason.
SQL_EXCEPTIONS = {
    "tradewind.db": "engine setup: SQLite PRAGMAs, the `SELECT 1` liveness ping and the "
    "migration advisory lock (no domain table)",
    "tradewind.models": "table declarations: server defaults and index expressions are schema",
    "tradewind.migrations": "schema migrations",
}


def is_repository(name: str) -> bool:
    """`tradewind.<domain>.repository` or a module of a `tradewind.<domain>.repository` package."""
    return "repository" in name.split(".")[2:]


def _sql_constructs_imported(module: Module) -> list[str]:
    found = []
    for imported in module.imports():
        source, _, name = imported.target.rpartition(".")
        if name in SQL_CONSTRUCTS and (source == "sqlalchemy" or within(source, *SQL_MODULES[1:])):
            found.append(f"{module.relative}:{imported.line} imports {imported.target}")
    return found


def _sql_calls(module: Module) -> list[str]:
    found = []
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_CALLS
            and node.args
        ):
            found.append(f"{module.relative}:{node.lineno} calls .{node.func.attr}(…)")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in SQL_CONSTRUCTS
            and isinstance(node.value, ast.Name)
            and node.value.id in ("sqlalchemy", "sa")
        ):
            found.append(f"{module.relative}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def _outside_repositories(
    exceptions: dict[str, str], find: Callable[[Module], list[str]]
) -> list[str]:
    """What `find` reports in every module but the repositories and the `exceptions`."""
    return [
        found
        for module in modules()
        if not (is_repository(module.name) or within(module.name, *exceptions))
        for found in find(module)
    ]


def test_only_repositories_build_sql() -> None:
    offences = _outside_repositories(
        SQL_EXCEPTIONS, lambda module: _sql_constructs_imported(module) + _sql_calls(module)
    )
    assert not offences, "SQL outside a repository module:\n" + "\n".join(offences)


def test_the_sql_rule_sees_repositories_build_sql() -> None:
    module = by_name()["tradewind.releases.repository"]
    assert _sql_constructs_imported(module) and _sql_calls(module)


# --- only repositories write rows ----------------------------------------------------------

# The unit of work's write calls. A new or deleted row, and every flush, goes through the
# repository of the row's aggregate; services only change attributes of rows they loaded.
SESSION_WRITES = frozenset({"add", "add_all", "delete", "flush"})
# Where a session comes from besides a parameter annotated `AsyncSession`.
SESSION_FACTORIES = frozenset({"unit_of_work", "sessions"})

# Modules that are not repositories but may write through the session, each with its reason.
WRITE_EXCEPTIONS = {
    "tradewind.db": "the unit of work itself: `save`, `save_rows` and `save_deletion` write "
    "rows before the commit",
}


def _session_names(module: Module) -> set[str]:
    """`session`, and every name this module binds to a session: a parameter annotated
    `AsyncSession`, or the target of `with db.unit_of_work() as …`."""
    names = {"session"}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            if "AsyncSession" in ast.unparse(node.annotation):
                names.add(node.arg)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in SESSION_FACTORIES
                    and isinstance(item.optional_vars, ast.Name)
                ):
                    names.add(item.optional_vars.id)
    return names


def _session_writes(module: Module) -> list[str]:
    """Calls such as `session.add(…)`, `self.session.delete(…)` or `await session.flush()`."""
    names = _session_names(module)
    found = []
    for node in ast.walk(module.tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_WRITES
        ):
            continue
        receiver = node.func.value
        named = receiver.id if isinstance(receiver, ast.Name) else ""
        named = receiver.attr if isinstance(receiver, ast.Attribute) else named
        if named in names:
            found.append(f"{module.relative}:{node.lineno} calls {named}.{node.func.attr}(…)")
    return found


def test_only_repositories_write_through_the_session() -> None:
    offences = _outside_repositories(WRITE_EXCEPTIONS, _session_writes)
    assert not offences, (
        "session writes outside a repository (use `save_rows`, `save_deletion` or `save` of "
        "tradewind.db, or a function of the aggregate's repository):\n" + "\n".join(offences)
    )


def test_the_write_rule_sees_repositories_write() -> None:
    module = by_name()["tradewind.accounts.repository"]
    assert any(".add(" in found for found in _session_writes(module))
    assert any(".flush(" in found for found in _session_writes(module))


# --- the device path imports nothing from the management side ------------------------------

DEVICE_PATH = ("tradewind.serving", "tradewind.assets")
# Domains that only the management side uses (people, organisations, tokens, audit, uploads,
# background jobs); the device path reads the prebuilt snapshot, releases.live and storage.
MANAGEMENT_DOMAINS = (
    "tradewind.access",
    "tradewind.accounts",
    "tradewind.audit",
    "tradewind.bundles",
    "tradewind.guards",
    "tradewind.members",
    "tradewind.oidc",
    "tradewind.orgs",
    "tradewind.outbox",
    "tradewind.tokens",
    COMPOSITION_ROOT,
)


def is_management(name: str) -> bool:
    return is_edge(name) or within(name, *MANAGEMENT_DOMAINS) or name.endswith(".service")


def _loaded(name: str) -> list[str]:
    """The module and its parent packages (importing a module runs its parents' __init__)."""
    parts = name.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def runtime_closure(starts: list[str]) -> dict[str, list[str]]:
    """Every module loaded at run time from `starts`, with one import chain leading to it."""
    known = by_name()
    chains: dict[str, list[str]] = {}
    stack = [(name, [name]) for name in starts]
    while stack:
        name, chain = stack.pop()
        if name in chains:
            continue
        chains[name] = chain
        for imported in known[name].imports():
            loaded = resolve(imported.target)
            if imported.type_checking or loaded is None:
                continue
            stack += [(m, [*chain, m]) for m in _loaded(loaded) if m in known and m not in chains]
    return chains


def test_the_device_path_imports_nothing_from_the_management_side() -> None:
    starts = [m.name for m in modules() if within(m.name, *DEVICE_PATH)]
    reached = runtime_closure(starts)
    assert "tradewind.releases.live" in reached  # the rule sees the device path's imports
    offences = [" -> ".join(chain) for name, chain in reached.items() if is_management(name)]
    assert not offences, "device path reaches the management side:\n" + "\n".join(offences)


# --- one repository per aggregate --------------------------------------------------------------

# Tables that exactly one repository reads and writes; every other module goes through it.
# Other modules may name the classes for typing or `isinstance`, never to query or create rows.
OWNING_REPOSITORY = {
    "OrgMember": "tradewind.members.repository",
    "AppMember": "tradewind.members.repository",
}


def test_membership_tables_have_one_repository() -> None:
    offences = []
    for module in modules():
        if within(module.name, *SQL_EXCEPTIONS):
            continue
        for node in ast.walk(module.tree):
            if is_repository(module.name):
                named = node.id if isinstance(node, ast.Name) else ""
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                named = node.func.id  # creating a row outside the repository
            else:
                continue
            owner = OWNING_REPOSITORY.get(named)
            if owner is not None and module.name != owner:
                line = getattr(node, "lineno", 0)
                offences.append(f"{module.relative}:{line} uses {named} (see {owner})")
    assert not offences, "\n".join(sorted(set(offences)))


def test_dashboard_routes_check_roles_only_through_their_declaration() -> None:
    """Dashboard routes declare their requirement (`dependencies=app_role(...)`) and open their
    unit of work with `on_org` / `on_app`, which check it; a role checked inline would be
    invisible to the generated role matrix."""
    inline = [
        f"{m.relative}:{node.lineno}"
        for m in modules()
        if within(m.name, "tradewind.dashboard.routes")
        for node in ast.walk(m.tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "access"
        and node.attr.startswith(("require_", "can_see"))
    ]
    assert not inline, inline
