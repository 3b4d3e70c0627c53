"""What the desk's browser tests (test_e2e_desk.py) need: the gateway (nginx with the real
template, serving desk/ and proxying the API on one origin, on a free port, rendered as
scripts/lib/infra.sh renders it) and headless Chromium from Debian driven by selenium.

Chromium or its driver missing is a failure with the reason, never a skip: the browser
tests are part of `scripts/test` (sb_install_deps installs both).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import e2e_support as sb

TEMPLATE = sb.REPO / "deploy" / "nginx" / "templates" / "default.conf.template"
DESK_DIR = sb.REPO / "desk"
# Where Docker mounts the desk; the template's alias names it (infra.sh replaces it too).
DESK_ALIAS_IN_TEMPLATE = "/usr/share/nginx/desk/"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("SWITCHBOARD_DESK_ARTIFACTS", sb.REPO / "Tests" / "EndToEnd" / ".artifacts" / "desk"))


def _nginx() -> str:
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail("nginx is not installed (Debian package nginx-light; scripts/test installs it)", pytrace=False)


def render_gateway(port: int, log_dir: Path) -> str:
    """The template with the local services, this port and the repository's desk."""
    env = {**os.environ, **{f"{name.upper()}_UPSTREAM": f"127.0.0.1:{sb.service_port(name)}" for name in sb.SERVICES}}
    variables = " ".join("${%s_UPSTREAM}" % name.upper() for name in sb.SERVICES)
    rendered = subprocess.run(["envsubst", variables], input=TEMPLATE.read_text(), capture_output=True, text=True, check=True, env=env).stdout
    assert DESK_ALIAS_IN_TEMPLATE in rendered, "the template no longer serves the desk from its alias"
    return (
        rendered.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        .replace("access_log /dev/stdout ", f"access_log {log_dir}/gateway-access.log ")
        .replace(DESK_ALIAS_IN_TEMPLATE, f"{DESK_DIR}/")
    )


class Gateway:
    def __init__(self):
        self.port = sb.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Not pytest's tmp_path (0700): nginx's workers run as nobody when we are root.
        self.directory = Path(tempfile.mkdtemp(prefix="switchboard-desk-gateway-"))
        os.chmod(self.directory, 0o755)
        (self.directory / "default.conf").write_text(render_gateway(self.port, self.directory))
        worker = "user nobody nogroup;" if os.geteuid() == 0 else ""
        (self.directory / "nginx.conf").write_text(
            f"""{worker}
daemon off;
worker_processes 1;
pid {self.directory}/nginx.pid;
error_log {self.directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {self.directory}/client_body;
    proxy_temp_path {self.directory}/proxy;
    fastcgi_temp_path {self.directory}/fastcgi;
    uwsgi_temp_path {self.directory}/uwsgi;
    scgi_temp_path {self.directory}/scgi;
    include {self.directory}/default.conf;
}}
"""
        )
        self.process = subprocess.Popen(
            [_nginx(), "-p", str(self.directory), "-e", str(self.directory / "error.log"), "-c", str(self.directory / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise AssertionError(f"nginx did not start: {self.process.stderr.read().decode()}")
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


def chromium(downloads: Path | None = None):
    """A headless Chromium at 1280x800 (a fresh profile: its own sessionStorage)."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: install Debian's chromium and chromium-driver (scripts/test does)", pytrace=False)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed for this python3 (pip install 'selenium>=4.11,<5'; scripts/test does)", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800",
                     "--disable-extensions", "--no-first-run", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
