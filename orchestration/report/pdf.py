"""The scorecard page as PDF (for digests), printed by headless Chromium from its command line.

The page draws itself with JavaScript, so a browser has to print it; Chromium's `--print-to-pdf`
does, with the page's print stylesheet (A4, panels kept whole, statuses in words). No Python
dependency: Chromium or Chrome is found on the machine (`find_chromium`) and run once per PDF,
with a throwaway profile and every background connection turned off. The page itself may load
nothing (its Content-Security-Policy forbids it), and host names resolve to nothing, so printing
never touches the network.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from connectors.atomic import replacing

ENV_VAR = "SCORECARD_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Time the page's script gets before printing. Virtual time runs ahead while the page is idle,
# so this costs nothing on a page that is done sooner (the scorecard draws in well under 1 s).
VIRTUAL_TIME_MS = 10_000
# Without the background-networking switches Chromium tries to reach Google's hosts at start;
# the resolver rule makes any host name that slips through fail at once, offline or not.
# --no-sandbox: the sandbox needs user namespaces most containers and root users do not have;
# what is printed is our own page, which may run nothing but its inline script.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--hide-scrollbars",
    "--mute-audio",
)
STDERR_LINES = 15


class PdfUnavailable(RuntimeError):
    """No Chromium to render with (message says how to install or configure one)."""


class PdfFailed(RuntimeError):
    """Chromium ran but wrote no PDF (crashed, failed or timed out); the message ends with the
    tail of its error output."""


def find_chromium(configured: str | None = None) -> str:
    """The Chromium (or Chrome) executable to print with: `configured` when given, else
    $SCORECARD_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH.
    A configured or $SCORECARD_CHROMIUM one that does not exist is an error, not a fallback."""
    for origin, value in (
        ("The configured Chromium", configured),
        (ENV_VAR, os.environ.get(ENV_VAR)),
    ):
        if value:
            found = _executable(value)
            if found is None:
                raise PdfUnavailable(
                    f"{origin} is '{value}', which is not an executable file: set it to the path"
                    " of Chromium or Google Chrome (e.g. /usr/bin/chromium)."
                )
            return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailable(
        "No Chromium found to print the PDF with (looked for "
        + ", ".join(CANDIDATES)
        + f" on PATH): install one (Debian/Ubuntu: apt-get install chromium) or set {ENV_VAR}"
        " to the path of Chromium or Google Chrome."
    )


def write_pdf(
    html: Path, output: Path, *, chromium: str | None = None, timeout: float = 120
) -> Path:
    """Print the page `html` to the PDF `output` (A4, as the page's print stylesheet lays it
    out), through a temporary file and a rename. `chromium` is a configured executable (see
    `find_chromium`). Raises PdfUnavailable without a Chromium, PdfFailed when printing fails
    or takes longer than `timeout` seconds."""
    html = Path(html).resolve()
    if not html.is_file():
        raise FileNotFoundError(f"no page to print: {html}")
    output = Path(output)
    executable = find_chromium(chromium)
    with (
        tempfile.TemporaryDirectory(prefix="scorecard-chromium-") as profile,
        replacing(output) as tmp,
    ):
        tmp = tmp.resolve()
        command = [
            executable,
            *CHROMIUM_ARGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",  # the same, for Chromium before 110
            f"--virtual-time-budget={VIRTUAL_TIME_MS}",
            f"--print-to-pdf={tmp}",
            html.as_uri(),
        ]
        stderr = _run(command, timeout, html)
        if not tmp.is_file() or tmp.read_bytes()[:5] != b"%PDF-":
            raise PdfFailed(f"Chromium ({executable}) wrote no PDF for {html}.{_tail(stderr)}")
    return output


def _executable(value: str) -> str | None:
    """A path to an executable file, or a command name found on PATH."""
    path = Path(value).expanduser()
    if path.is_file() and os.access(path, os.X_OK):
        return str(path)
    return shutil.which(value)


def _run(command: list[str], timeout: float, html: Path) -> str:
    """Run Chromium in its own process group (it starts helpers: on a timeout all of them are
    killed) and return its error output."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        _, stderr = process.communicate()
        raise PdfFailed(
            f"Chromium ({command[0]}) did not print {html} within {timeout:g} s."
            f"{_tail(_text(stderr))}"
        ) from None
    finally:
        if process.poll() is None:  # interrupted while waiting
            _kill_group(process)
            process.wait()
    text = _text(stderr)
    if process.returncode != 0:
        raise PdfFailed(
            f"Chromium ({command[0]}) failed with exit code {process.returncode} printing"
            f" {html}.{_tail(text)}"
        )
    return text


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _text(stderr: bytes | None) -> str:
    return (stderr or b"").decode("utf-8", "replace")


def _tail(stderr: str) -> str:
    # headless Chromium in a container complains about the missing D-Bus at every start:
    # noise that would push the real error out of the tail
    lines = [line for line in stderr.splitlines() if line.strip() and "dbus" not in line.lower()]
    if not lines:
        return ""
    return " Chromium said:\n" + "\n".join(lines[-STDERR_LINES:])
