"""Onboarding a teammate in a real browser, without the server's shell: the owner invites an
email that has no account, the invitee opens the link, sets a password and lands in the
organisation with the invited role; then changes their password; the site admin manages
accounts on the Users page. Every page visited is also checked at phone width (390 px)."""

from __future__ import annotations

import re

import pytest
from fixtures.servers import ADMIN_EMAIL, ADMIN_PASSWORD, Server
from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.once, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
ORG = "team"
NEWCOMER = "newcomer@example.com"
FIRST_PASSWORD = "first-secret-words"
SECOND_PASSWORD = "second-secret-words"


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/dashboard/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Organisations", exact=True)).to_be_visible()


def fits_phone_width(page: Page) -> None:
    """Nothing makes the page scroll sideways at 390 px (tables scroll inside their frame)."""
    page.set_viewport_size(PHONE)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than a phone"


def test_invite_accept_change_password(page: Page, browser: Browser, server: Server) -> None:
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.get_by_label("Name", exact=True).fill(ORG)
    page.get_by_role("button", name="Create organisation").click()
    expect(page.get_by_text(f"Organisation {ORG} created.")).to_be_visible()
    page.goto(f"/dashboard/orgs/{ORG}/members")

    # A typo'd, invalid email keeps the form with a message next to the field.
    page.get_by_label("Email", exact=True).fill("not-an-email@x")
    page.get_by_role("button", name="Add or invite").click()
    expect(page.locator("#email-error")).to_contain_text("valid email")
    expect(page.get_by_label("Email", exact=True)).to_have_value("not-an-email@x")

    # An unknown email gets an invitation link, not a "Not found" page.
    page.get_by_label("Email", exact=True).fill(NEWCOMER)
    page.get_by_label("Role", exact=True).select_option("write")
    page.get_by_role("button", name="Add or invite").click()
    link = page.get_by_label("Invitation link").input_value()
    assert re.fullmatch(rf"{re.escape(server.url)}/dashboard/invite/twv_[\w-]+", link), link
    pending = page.get_by_role("region", name="Pending invitations")
    expect(pending.get_by_role("row", name=re.compile(NEWCOMER))).to_contain_text("write")
    fits_phone_width(page)

    # The invitee, in a browser of their own, opens the link and creates the account.
    invitee = browser.new_context(base_url=server.url, viewport=PHONE).new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name=f"Join {ORG}")).to_be_visible()
    expect(invitee.get_by_text(NEWCOMER).first).to_be_visible()
    fits_phone_width(invitee)
    invitee.get_by_label("Your name").fill("New Comer")
    invitee.get_by_label("Choose a password").fill(FIRST_PASSWORD)
    invitee.get_by_label("The same password again").fill(FIRST_PASSWORD + "x")
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.locator("#password_again-error")).to_contain_text("differ")
    invitee.get_by_label("Choose a password").fill(FIRST_PASSWORD)
    invitee.get_by_label("The same password again").fill(FIRST_PASSWORD)
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_text(f"Welcome to {ORG}: you are write.")).to_be_visible()
    expect(invitee).to_have_url(re.compile(rf"/dashboard/orgs/{ORG}$"))
    # The link worked once.
    invitee.goto(link)
    expect(invitee.get_by_text("already been used")).to_be_visible()

    # The owner sees the newcomer as a member, and no pending invitation.
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(f"/dashboard/orgs/{ORG}/members")
    expect(page.get_by_role("row", name=re.compile(NEWCOMER))).to_be_visible()
    expect(page.get_by_role("region", name="Pending invitations")).to_have_count(0)

    # The newcomer changes their password; the old one stops working.
    invitee.goto("/dashboard/profile")
    fits_phone_width(invitee)
    invitee.get_by_label("Current password").fill("wrong-password-here")
    invitee.get_by_label("New password", exact=True).fill(SECOND_PASSWORD)
    invitee.get_by_label("New password again").fill(SECOND_PASSWORD)
    invitee.get_by_role("button", name="Change password").click()
    expect(invitee.locator("#current_password-error")).to_contain_text("wrong")
    invitee.get_by_label("Current password").fill(FIRST_PASSWORD)
    invitee.get_by_label("New password", exact=True).fill(SECOND_PASSWORD)
    invitee.get_by_label("New password again").fill(SECOND_PASSWORD)
    invitee.get_by_role("button", name="Change password").click()
    expect(invitee.get_by_text("Password changed.")).to_be_visible()
    invitee.get_by_role("button", name="Sign out").click()
    invitee.get_by_label("Email").fill(NEWCOMER)
    invitee.get_by_label("Password").fill(FIRST_PASSWORD)
    invitee.get_by_role("button", name="Sign in").click()
    expect(invitee.get_by_text("wrong email or password", exact=False)).to_be_visible()
    sign_in(invitee, NEWCOMER, SECOND_PASSWORD)
    # Not a site admin: no Users page in the navigation, and the page itself refuses.
    expect(invitee.get_by_role("link", name="Users")).to_have_count(0)
    invitee.context.close()

    # The site admin's Users page lists the newcomer and can disable the account.
    page.goto("/dashboard/admin/users")
    row = page.get_by_role("row", name=re.compile(NEWCOMER))
    expect(row).to_contain_text("active")
    fits_phone_width(page)
    page.set_viewport_size({"width": 1280, "height": 860})
    row.get_by_role("button", name="Disable").click()
    expect(page.get_by_text(f"{NEWCOMER}: disabled.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(NEWCOMER))).to_contain_text("disabled")
    page.get_by_role("row", name=re.compile(NEWCOMER)).get_by_role("button", name="Enable").click()
    expect(page.get_by_text(f"{NEWCOMER}: enabled.")).to_be_visible()
    assert page.problems == []  # type: ignore[attr-defined]
