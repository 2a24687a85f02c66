"""The web panel's login and logout in a real Chromium (contract panel.md).

Driven by rest-gateway/tests/api/panel/browser.rs against a live gateway:
    python3 panel_login.py BASE_URL USERNAME PASSWORD SIP_ADDRESS SCREENSHOTS_DIR
Elements are found by role, label and data-testid, never by layout.
Prints "ok" when every check passed; any failure raises.
"""

import os
import sys

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright


def accessible(page, name):
    """axe-core (vendored by the axe-playwright-python package, no CDN):
    no serious or critical violation of WCAG 2.0-2.2 A and AA."""
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": tags}})
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: {bad}"
    assert results.response["passes"], f"{name}: axe checked nothing"


def no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width} px wide"



def main():
    base, username, password, sip_address, shots = sys.argv[1:6]
    chromium = os.environ.get("FLEXIAPI_CHROMIUM", "/usr/bin/chromium")


    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        blocked = []
        # No request may leave the gateway's origin (no CDN, no font service).
        page.on("request", lambda r: None if r.url.startswith(base) else blocked.append(r.url))
        # Nor any the gateway cannot answer (a linked file, the icon).
        missing = []
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

        # A private page without a session lands on the login.
        page.goto(f"{base}/dashboard")
        assert page.url == f"{base}/login", page.url
        expect(page).to_have_title("Log in · FlexiAPI")
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
        page.screenshot(path=f"{shots}/login.png", full_page=True)
        accessible(page, "login")

        # A wrong password: the error next to the form, the field marked.
        form = page.get_by_test_id("login-form")
        form.get_by_label("SIP address").fill(sip_address)
        form.get_by_label("Password").fill("not-the-password")
        form.locator("[type=submit]").click()
        expect(page.get_by_test_id("form-error")).to_have_text("Incorrect username or password")
        expect(form.get_by_label("SIP address")).to_have_attribute("aria-invalid", "true")
        expect(form.get_by_label("SIP address")).to_have_value(sip_address)
        expect(form.get_by_label("Password")).to_have_value("")
        accessible(page, "login with an error")

        # From the keyboard: the address, Tab to the password, Enter logs in.
        form.get_by_label("SIP address").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "password"
        page.keyboard.type(password)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/dashboard")
        expect(page.get_by_test_id("sip-address")).to_have_text(sip_address)
        page.screenshot(path=f"{shots}/dashboard.png", full_page=True)
        accessible(page, "dashboard")
        cookies = context.cookies()
        session = [c for c in cookies if c["name"] == "flexiapi_session"]
        assert len(session) == 1 and session[0]["httpOnly"], cookies
        assert session[0]["sameSite"] == "Strict", session
        # Scripts cannot read it.
        assert "flexiapi_session" not in page.evaluate("document.cookie")

        # The password form: a mismatch is shown beside its field, accessibly.
        page.get_by_role("link", name="Change your password").click()
        form = page.get_by_test_id("password-form")
        form.get_by_label("Current password").fill(password)
        form.get_by_label("New password", exact=True).fill("a-new-password-1")
        form.get_by_label("New password, again").fill("a-new-password-2")
        form.locator("[type=submit]").click()
        expect(page.get_by_test_id("error-password_confirmation")).to_have_text(
            "The password confirmation does not match."
        )
        accessible(page, "password with an error")
        page.screenshot(path=f"{shots}/password.png", full_page=True)
        page.goto(f"{base}/dashboard")

        # A phone's width: nothing scrolls sideways.
        page.set_viewport_size({"width": 360, "height": 740})
        no_horizontal_scroll(page)
        page.screenshot(path=f"{shots}/dashboard-360.png", full_page=True)
        page.set_viewport_size({"width": 1024, "height": 768})

        # Logout from the button; the back button shows nothing private, and
        # the cookie copied before is dead.
        page.get_by_test_id("logout").click()
        page.wait_for_url(f"{base}/login")
        page.go_back()
        page.wait_for_load_state()
        assert page.url == f"{base}/login", page.url
        thief = browser.new_context()
        thief.add_cookies([{**session[0]}])
        stolen = thief.new_page()
        stolen.goto(f"{base}/dashboard")
        assert stolen.url == f"{base}/login", stolen.url

        assert not blocked, blocked
        assert not missing, missing
        browser.close()
    print("ok")


if __name__ == "__main__":
    main()
