"""Headers that harden every response, and the one page fragment that has to bend to them.

The Content Security Policy allows scripts and styles from our own files only: no inline
``<script>``, ``<style>``, ``style="…"`` or ``on…=`` anywhere in the web pages (a test renders the
pages and checks), so an injected tag stays inert. No page may be framed, so a one-click form
(销号, 催办) cannot be clickjacked.
"""

from __future__ import annotations

import re

from flask import Flask, url_for
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

# Sound on our own mail only: autoescaping turns every quote and angle bracket of the values into
# an entity, so ` style="` and `<style` can only come from the templates.
INLINE_STYLE = re.compile(r'\sstyle="[^"]*"|<style\b.*?</style\s*>', re.IGNORECASE | re.DOTALL)
HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.add_template_filter(mail_preview)


def add_security_headers(response: Response) -> Response:
    """Set each header the response does not set itself (errors, redirects and files included)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def mail_preview(html: str) -> str:
    """The HTML part of a mail for the sandboxed ``srcdoc`` frame of the mail pages.

    The frame inherits the page's policy, which refuses the mail's inline styles (normal in a
    mail, where no stylesheet can be linked); they are dropped, and static/mail-preview.css
    gives the mail its look instead. Mail clients differ as much anyway.
    """
    sheet = f'<link rel="stylesheet" href="{url_for("static", filename="mail-preview.css")}">'
    html = INLINE_STYLE.sub("", html)
    with_sheet, found = HEAD.subn(lambda head: head.group(0) + sheet, html, count=1)
    return with_sheet if found else sheet + html
