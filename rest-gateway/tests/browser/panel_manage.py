"""An operator's and a user's tasks in a real Chromium (contract panel.md):
create an account (its password then passes Digest over REST, with Python
requests), edit it, set its password, deactivate and activate it, remove
another account's device, the user changing its password and refused on
the admin pages, a POST without its CSRF token refused, the account
deleted, and a space created and deleted; axe-core on each new page.

    python3 panel_manage.py BASE_URL ADMIN PASSWORD DOMAIN DEVICE_OWNER SCREENSHOTS_DIR
(DEVICE_OWNER: the username of an account with one registered device.)
Prints "ok" when every check passed; any failure raises.
"""

import os
import sys

import requests
from playwright.sync_api import expect, sync_playwright
from requests.auth import HTTPDigestAuth

sys.path.insert(0, os.path.dirname(__file__))
from panel_login import accessible, no_horizontal_scroll  # noqa: E402  (shared checks)

base, admin, password, domain, device_owner, shots = sys.argv[1:7]
chromium = os.environ.get("FLEXIAPI_CHROMIUM", "/usr/bin/chromium")
USER, FIRST_PW = "erin01", "erin first pw 2026!"
USER_PW, USER_NEW_PW = "erin pw 2026!", "erin new pw 2026!"


def rest_ping(user_password):
    """The status of an authenticated `GET /api/ping` by the new account."""
    answer = requests.get(
        f"{base}/api/ping",
        auth=HTTPDigestAuth(USER, user_password),
        headers={"From": f"sip:{USER}@{domain}", "Accept": "application/json"},
        timeout=10,
    )
    return answer.status_code


def log_in(page, username, secret):
    page.goto(f"{base}/login")
    form = page.get_by_test_id("login-form")
    form.get_by_label("SIP address").fill(username)
    form.get_by_label("Password").fill(secret)
    form.locator("[type=submit]").click()


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.on("pageerror", lambda e: print("page error:", e, file=sys.stderr))
    log_in(page, admin, password)
    page.wait_for_url(f"{base}/admin/accounts")

    # Create: the account's page, and its password works over REST.
    page.get_by_test_id("account-create").click()
    form = page.get_by_test_id("account-form")
    form.get_by_label("Username").fill(USER)
    form.get_by_label("Password", exact=True).fill(FIRST_PW)
    form.get_by_label("Display name").fill("Erin")
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("flash")).to_have_text("Account created")
    account_url = page.url.split("?")[0]
    assert rest_ping(FIRST_PW) == 200

    # Edit: display name and a dictionary row, shown on the account's page.
    page.get_by_test_id("account-edit").click()
    form = page.get_by_test_id("account-form")
    form.get_by_label("Email").fill("not an email")
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("error-email")).to_be_visible()
    expect(form.get_by_label("Email")).to_have_attribute("aria-describedby", "error-email")
    accessible(page, "edit with an error")
    page.screenshot(path=f"{shots}/account-edit.png", full_page=True)
    form.get_by_label("Email").fill("erin@example.org")
    form.get_by_label("Display name").fill("Erin Brockovich")
    form.get_by_label("Key 1", exact=True).fill("team")
    form.get_by_label("Value 1", exact=True).fill("legal")
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("flash")).to_have_text("Account updated")
    expect(page.get_by_test_id("display-name")).to_have_text("Erin Brockovich")
    expect(page.get_by_test_id("dictionary")).to_contain_text("legal")

    # A password set by the admin: the first one then refused over REST.
    page.get_by_test_id("account-password").click()
    form = page.get_by_test_id("admin-password-form")
    form.get_by_label("New password").fill(USER_PW)
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("flash")).to_have_text("Password set")
    assert rest_ping(FIRST_PW) == 401
    assert rest_ping(USER_PW) == 200

    # Deactivated: Digest refused; activated again: accepted.
    page.get_by_test_id("action-deactivate").click()
    expect(page.get_by_test_id("flash")).to_have_text("Account deactivated")
    expect(page.get_by_test_id("account-state")).to_contain_text("Deactivated")
    assert rest_ping(USER_PW) != 200
    page.get_by_test_id("action-activate").click()
    expect(page.get_by_test_id("flash")).to_have_text("Account activated")
    assert rest_ping(USER_PW) == 200

    # Another account's device, removed after the confirmation.
    page.goto(f"{base}/admin/accounts?search={device_owner}")
    page.get_by_test_id("account-row").get_by_role("link").click()
    expect(page.get_by_test_id("device-row")).to_have_count(1)
    page.get_by_test_id("device-remove").click()
    accessible(page, "device removal confirmation")
    page.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("flash")).to_have_text("Device removed")
    expect(page.get_by_test_id("devices-empty")).to_be_visible()

    # The user: its password changed (the old one then refused over REST),
    # the admin pages refused, a POST without its token refused.
    user = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    log_in(user, f"{USER}@{domain}", USER_PW)
    user.wait_for_url(f"{base}/dashboard")
    user.get_by_role("link", name="Change your password").click()
    form = user.get_by_test_id("password-form")
    form.get_by_label("Current password").fill(USER_PW)
    form.get_by_label("New password", exact=True).fill(USER_NEW_PW)
    form.get_by_label("New password, again").fill(USER_NEW_PW)
    form.locator("[type=submit]").click()
    expect(user.get_by_test_id("flash")).to_have_text("Password changed")
    assert rest_ping(USER_PW) == 401
    assert rest_ping(USER_NEW_PW) == 200
    answer = user.goto(f"{base}/admin/accounts")
    assert answer.status == 403, answer.status
    expect(user.get_by_test_id("error-page")).to_have_text("Unauthorized area")
    no_horizontal_scroll(user)
    # POSTs without the form's token change nothing: a form without it,
    # and a request with no form at all.
    for init in [
        "{method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},"
        " body: 'x=1'}",
        "{method: 'POST'}",
    ]:
        status = user.evaluate(f"fetch('/api_key', {init}).then(r => r.status)")
        assert status == 403, (init, status)
    user.goto(f"{base}/dashboard")
    expect(user.get_by_test_id("sip-address")).to_have_text(f"sip:{USER}@{domain}")

    # Delete, after the confirmation; the account is gone for REST too.
    page.goto(account_url)
    page.get_by_test_id("action-delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete an account")
    accessible(page, "delete confirmation")
    assert rest_ping(USER_NEW_PW) == 200, "nothing before the confirmation"
    page.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("flash")).to_have_text("Account deleted")
    assert rest_ping(USER_NEW_PW) in (401, 404)
    user.goto(f"{base}/dashboard")
    assert user.url == f"{base}/login", user.url

    # Spaces: the list, a creation refused then made, and its deletion.
    page.get_by_role("link", name="Spaces").click()
    expect(page.get_by_test_id("space-row").first).to_be_visible()
    accessible(page, "spaces")
    page.screenshot(path=f"{shots}/spaces.png", full_page=True)
    page.get_by_test_id("space-create").click()
    form = page.get_by_test_id("space-form")
    form.get_by_label("Domain", exact=True).fill("branch.example.net")
    form.get_by_label("Max accounts (0: no limit)").fill("-1")
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("error-max_accounts")).to_be_visible()
    accessible(page, "new space with an error")
    page.screenshot(path=f"{shots}/space-create.png", full_page=True)
    form.get_by_label("Max accounts (0: no limit)").fill("10")
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("flash")).to_have_text("Space created")
    row = page.get_by_test_id("space-row").filter(has_text="branch.example.net")
    expect(row).to_contain_text("0 accounts of at most 10")
    row.get_by_role("link", name="Delete branch.example.net").click()
    page.get_by_test_id("confirm-delete").click()
    expect(page.get_by_test_id("flash")).to_have_text("Space deleted")
    expect(page.get_by_test_id("space-row").filter(has_text="branch.example.net")).to_have_count(0)
    browser.close()
print("ok")
