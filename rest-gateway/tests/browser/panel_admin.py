"""The admin pages in a real Chromium (contract panel.md): the list, its
search, an account's page and a block, each scanned by axe-core.

    python3 panel_admin.py BASE_URL ADMIN PASSWORD USER_SIP_ADDRESS SCREENSHOTS_DIR
Prints "ok" when every check passed; any failure raises.
"""

import os
import sys

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, os.path.dirname(__file__))
from panel_login import accessible  # noqa: E402  (shared checks)

base, admin, password, user, shots = sys.argv[1:6]
chromium = os.environ.get("FLEXIAPI_CHROMIUM", "/usr/bin/chromium")

with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    # Script errors and CSP reports, shown with any failure.
    page.on("console", lambda m: print("console:", m.text, file=sys.stderr))
    page.on("pageerror", lambda e: print("page error:", e, file=sys.stderr))
    page.goto(f"{base}/login")
    form = page.get_by_test_id("login-form")
    form.get_by_label("SIP address").fill(admin)
    form.get_by_label("Password").fill(password)
    form.locator("[type=submit]").click()
    page.wait_for_url(f"{base}/admin/accounts")
    expect(page.get_by_test_id("account-row").first).to_be_visible()
    accessible(page, "accounts")
    page.screenshot(path=f"{shots}/accounts.png", full_page=True)

    # Search as you type: the list follows the box within a second of the
    # last key, without Enter, and the address follows (shareable).
    username = user.split(":")[1].split("@")[0]
    page.get_by_test_id("accounts-search").press_sequentially(username, delay=50)
    expect(page.get_by_test_id("account-row")).to_have_count(1, timeout=1500)
    assert page.url.endswith(f"/admin/accounts?search={username}"), page.url
    page.get_by_test_id("accounts-search").fill("nobody-at-all")
    expect(page.get_by_test_id("accounts-empty")).to_be_visible(timeout=1500)
    # The plain form does the same without the script's help.
    page.get_by_test_id("accounts-search").fill(username)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("account-row")).to_have_count(1)
    page.get_by_test_id("account-row").get_by_role("link").click()
    expect(page.get_by_test_id("sip-address")).to_have_text(user)
    page.get_by_test_id("action-block").click()
    expect(page.get_by_test_id("flash")).to_have_text("Account blocked")
    expect(page.get_by_test_id("account-state")).to_contain_text("Blocked")
    accessible(page, "account")
    page.screenshot(path=f"{shots}/account.png", full_page=True)
    page.get_by_test_id("action-unblock").click()
    expect(page.get_by_test_id("flash")).to_have_text("Account unblocked")

    # The new account form, from the list's link, with the core's refusal.
    page.goto(f"{base}/admin/accounts")
    page.get_by_test_id("account-create").click()
    form = page.get_by_test_id("account-form")
    form.get_by_label("Username").fill("ab")
    form.get_by_label("Password", exact=True).fill("a-password-2026")
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("error-username")).to_be_visible()
    accessible(page, "new account with an error")
    page.screenshot(path=f"{shots}/account-create.png", full_page=True)
    browser.close()
print("ok")
