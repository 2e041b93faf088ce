"""Tours with a screenshot of their last screen, kept as test artefacts."""

import base64
import logging
import os
from pathlib import Path
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser, get_db_name
from odoo.tools import config

_logger = logging.getLogger(__name__)


def screenshot_dir():
    """Where the tours' final screens are saved: ``$OMNI_TEST_ARTIFACTS/screenshots``
    if set; in the project's repository ``var/test-artifacts/screenshots`` (or
    under ``$OMNI_VAR_DIR``); else Odoo's screenshots folder
    (``--screenshots``, ``/tmp/odoo_tests`` by default) ``/<db>/screenshots``."""
    base = os.environ.get("OMNI_TEST_ARTIFACTS")
    if not base:
        root = Path(__file__).resolve().parents[3]
        if (root / "scripts" / "run_tests.py").is_file():
            var = os.environ.get("OMNI_VAR_DIR") or root / "var"
            base = Path(var) / "test-artifacts"
        else:
            base = Path(config["screenshots"]) / get_db_name()
    return Path(base) / "screenshots"


class ScreenshotTourMixin:
    """For an HttpCase: ``_start_tour`` runs a tour as ``self.user`` and saves a
    screenshot of its last screen (``self.screenshots``)."""

    def setUp(self):
        super().setUp()
        self.screenshots = []

    def _start_tour(self, url, tour, screenshot, login=None):
        """``start_tour`` as ``login`` (the order desk user ``self.user`` by
        default), then a screenshot of the last screen, taken once the tour's last
        step has passed."""
        test = self

        original = ChromeBrowser._wait_code_ok

        def wait_code_ok_then_capture(browser, code, timeout, error_checker=None):
            original(browser, code, timeout, error_checker=error_checker)
            test._save_screenshot(browser, screenshot)

        with patch.object(ChromeBrowser, "_wait_code_ok", wait_code_ok_then_capture):
            self.start_tour(url, tour, login=login or self.user.login, timeout=120)

    def _save_screenshot(self, browser, name):
        try:
            result = browser._websocket_request("Page.captureScreenshot", timeout=30)
            folder = screenshot_dir()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name}.png"
            path.write_bytes(base64.b64decode(result["data"]))
        except (OSError, KeyError, TypeError, TimeoutError) as error:
            # a screenshot is an artefact: its loss must not fail the test
            _logger.info("Screenshot %s not saved: %s", name, error)
            return
        self.screenshots.append(path)
        _logger.info("Screenshot of the tour's last screen: %s", path)
