"""`member`: who may do what in an organisation or one of its applications."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from tradewind.cli.client import API, app_path, seg
from tradewind.cli.commands.common import (
    JsonOpt,
    OrgOpt,
    ProfileOpt,
    YesOpt,
    confirm,
    connect,
    handled,
    out,
)
from tradewind.cli.output import table, when

member_app = typer.Typer(
    help="Members of an organisation (all its applications) or of one application (with --app). "
    "Roles: owner > admin > write > read; application members cannot be owners.",
    no_args_is_help=True,
)


class RoleName(StrEnum):
    owner = "owner"
    admin = "admin"
    write = "write"
    read = "read"


EmailArg = Annotated[
    str,
    typer.Argument(metavar="EMAIL", help="Email of an existing user account.", show_default=False),
]
ScopeAppOpt = Annotated[
    str | None,
    typer.Option(
        "--app",
        "-a",
        help="Application name: act on the application's members instead of the organisation's.",
        show_default=False,
    ),
]
RoleOpt = Annotated[
    RoleName, typer.Option("--role", "-r", help="Role to grant.", show_default=False)
]


def _members_path(org: str, app: str | None) -> str:
    base = app_path(org, app) if app else f"{API}/orgs/{seg(org)}"
    return f"{base}/members"


def _scope(org: str, app: str | None) -> str:
    return f"{org}/{app}" if app else org


@member_app.command("list")
@handled
def member_list(
    org: OrgOpt, app: ScopeAppOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """List the members and their roles."""
    with connect(profile) as client:
        members = client.get(_members_path(org, app))
    rows = [
        (m["email"], m.get("display_name") or None, m["role"], m.get("managed_by")) for m in members
    ]
    out(as_json).result(members, table(["email", "name", "role", "managed by"], rows))


@member_app.command("add")
@handled
def member_add(
    email: EmailArg,
    org: OrgOpt,
    role: RoleOpt,
    app: ScopeAppOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give an existing user a role (admins; granting owner needs an owner)."""
    with connect(profile) as client:
        member = client.post(_members_path(org, app), {"email": email, "role": role.value})
    out(as_json).result(member, f"{member['email']} is now {member['role']} of {_scope(org, app)}.")


@member_app.command("change")
@handled
def member_change(
    email: EmailArg,
    org: OrgOpt,
    role: RoleOpt,
    app: ScopeAppOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a member's role (the last owner cannot be downgraded)."""
    with connect(profile) as client:
        member = client.patch(f"{_members_path(org, app)}/{seg(email)}", {"role": role.value})
    out(as_json).result(member, f"{member['email']} is now {member['role']} of {_scope(org, app)}.")


@member_app.command("remove")
@handled
def member_remove(
    email: EmailArg,
    org: OrgOpt,
    app: ScopeAppOpt = None,
    yes: YesOpt = False,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a member (the last owner cannot be removed)."""
    confirm(f"Remove {email} from {_scope(org, app)}?", yes)
    with connect(profile) as client:
        client.delete(f"{_members_path(org, app)}/{seg(email)}")
    out(as_json).result(
        {"removed": email, "org": org, "app": app}, f"Removed {email} from {_scope(org, app)}."
    )


def _invitations_path(org: str, app: str | None) -> str:
    base = app_path(org, app) if app else f"{API}/orgs/{seg(org)}"
    return f"{base}/invitations"


@member_app.command("invite")
@handled
def member_invite(
    email: Annotated[
        str, typer.Argument(metavar="EMAIL", help="Who to invite (no account needed).")
    ],
    org: OrgOpt,
    role: RoleOpt,
    app: ScopeAppOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Invite someone by email (admins; inviting an owner needs an owner).

    Prints a single-use link that expires (the server mails it too when it has SMTP settings).
    The invitee opens it to set a password or sign in with single sign-on, and joins with the
    role. Inviting the same email again replaces the earlier link.
    """
    with connect(profile) as client:
        created = client.post(_invitations_path(org, app), {"email": email, "role": role.value})
    where = _scope(org, app)
    lines = [f"Invited {created['email']} to {where} as {created['role']}.", created["url"]]
    if created["mailed"]:
        lines.append(f"The link was mailed to {created['email']}.")
    elif created.get("mail_error"):
        lines.append(f"The mail was not sent ({created['mail_error']}): pass the link on.")
    lines.append(f"It works once, until {when(created['expires_at'])}.")
    out(as_json).result(created, *lines)


@member_app.command("invitations")
@handled
def member_invitations(
    org: OrgOpt, app: ScopeAppOpt = None, profile: ProfileOpt = None, as_json: JsonOpt = False
) -> None:
    """List pending invitations (admins)."""
    with connect(profile) as client:
        pending = client.get(_invitations_path(org, app))
    rows = [(i["id"], i["email"], i["role"], i["invited_by"], i["expires_at"]) for i in pending]
    columns = ["id", "email", "role", "invited by", "expires"]
    out(as_json).result(pending, table(columns, rows, title="Pending invitations"))


@member_app.command("uninvite")
@handled
def member_uninvite(
    invitation_id: Annotated[
        int, typer.Argument(metavar="ID", help="Invitation id (see `member invitations`).")
    ],
    org: OrgOpt,
    app: ScopeAppOpt = None,
    profile: ProfileOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw a pending invitation: its link stops working."""
    with connect(profile) as client:
        client.delete(f"{_invitations_path(org, app)}/{invitation_id}")
    out(as_json).result({"withdrawn": invitation_id}, f"Invitation {invitation_id} withdrawn.")


def register(app: typer.Typer) -> None:
    app.add_typer(member_app, name="member", rich_help_panel="Manage")
