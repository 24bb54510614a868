"""Finding Chromium and driving it for the PDF, with small stand-in executables: which one is
used, what it is told (no network, a throwaway profile) and how its failures are reported.
The real Chromium prints the demo in tests/e2e/test_report_pdf.py."""

from __future__ import annotations

import json
import stat
import sys
import time
from pathlib import Path

import pytest

from orchestration.report.pdf import PdfFailed, PdfUnavailable, find_chromium, write_pdf


def executable(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# prints a minimal PDF to --print-to-pdf=… and records its arguments (one JSON list per call);
# Python by absolute path, as the tests run it with an empty PATH
FAKE_PRINTER = f"""exec {sys.executable} - "$0" "$@" <<'EOF'
import json, pathlib, sys
me, args = pathlib.Path(sys.argv[1]), sys.argv[2:]
with open(me.parent / "calls.jsonl", "a") as f:
    f.write(json.dumps(args) + "\\n")
for a in args:
    if a.startswith("--print-to-pdf="):
        pathlib.Path(a.split("=", 1)[1]).write_bytes(b"%PDF-1.4 fake")
EOF"""


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may wait for a reaper that never comes)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    """A PATH with nothing on it and no $SCORECARD_CHROMIUM."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("SCORECARD_CHROMIUM", raising=False)
    return empty


@pytest.fixture
def page(tmp_path) -> Path:
    html = tmp_path / "scorecard.html"
    html.write_text("<!doctype html><title>t</title><p>hello</p>", encoding="utf-8")
    return html


def test_no_chromium_anywhere_says_how_to_get_one(no_chromium):
    with pytest.raises(PdfUnavailable) as raised:
        find_chromium()
    message = str(raised.value)
    assert "No Chromium found" in message
    assert "apt-get install chromium" in message
    assert "SCORECARD_CHROMIUM" in message


def test_chromium_is_found_configured_then_env_then_on_path(no_chromium, tmp_path, monkeypatch):
    on_path = executable(no_chromium / "google-chrome", "exit 0")
    assert find_chromium() == str(on_path)
    # chromium comes before google-chrome on PATH
    first = executable(no_chromium / "chromium", "exit 0")
    assert find_chromium() == str(first)
    from_env = executable(tmp_path / "env" / "my-chrome", "exit 0")
    monkeypatch.setenv("SCORECARD_CHROMIUM", str(from_env))
    assert find_chromium() == str(from_env)
    configured = executable(tmp_path / "cfg" / "chrome", "exit 0")
    assert find_chromium(str(configured)) == str(configured)
    # a command name is looked up on PATH
    assert find_chromium("google-chrome") == str(on_path)


def test_a_configured_chromium_that_is_not_there_is_an_error_not_a_fallback(
    no_chromium, tmp_path, monkeypatch
):
    executable(no_chromium / "chromium", "exit 0")
    with pytest.raises(PdfUnavailable, match=r"'/nowhere/chrome'.*not an executable"):
        find_chromium("/nowhere/chrome")
    monkeypatch.setenv("SCORECARD_CHROMIUM", str(tmp_path / "missing"))
    with pytest.raises(PdfUnavailable, match=r"SCORECARD_CHROMIUM is '.*missing'"):
        find_chromium()
    not_executable = tmp_path / "chrome.txt"
    not_executable.write_text("")
    with pytest.raises(PdfUnavailable):
        find_chromium(str(not_executable))


def test_write_pdf_prints_offline_with_a_throwaway_profile_and_an_atomic_write(
    no_chromium, tmp_path, page
):
    chromium = executable(tmp_path / "bin" / "chromium", FAKE_PRINTER)
    output = tmp_path / "out" / "scorecard.pdf"
    assert write_pdf(page, output, chromium=str(chromium)) == output
    assert output.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in output.parent.iterdir()) == ["scorecard.pdf"]  # no temp left
    (args,) = [
        json.loads(line)
        for line in (chromium.parent / "calls.jsonl").read_text().split("\n")
        if line
    ]
    assert args[-1] == page.resolve().as_uri()
    for switch in (
        "--headless",
        "--no-pdf-header-footer",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        assert switch in args
    assert any(a.startswith("--virtual-time-budget=") for a in args)
    (printed,) = [a.split("=", 1)[1] for a in args if a.startswith("--print-to-pdf=")]
    assert Path(printed).parent == output.parent.resolve() and Path(printed) != output
    (profile,) = [a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir=")]
    assert not Path(profile).exists()  # thrown away after printing


def test_chromium_failing_is_an_error_with_its_stderr_and_leaves_the_old_pdf(
    no_chromium, tmp_path, page
):
    output = tmp_path / "scorecard.pdf"
    output.write_bytes(b"%PDF-old")
    chromium = executable(
        tmp_path / "bin" / "chromium",
        "echo 'Failed to connect to the bus: no dbus' >&2\n"
        "echo 'ERROR: cannot open display' >&2\nexit 3",
    )
    with pytest.raises(PdfFailed) as raised:
        write_pdf(page, output, chromium=str(chromium))
    message = str(raised.value)
    assert "exit code 3" in message and "cannot open display" in message
    assert "dbus" not in message  # noise that would bury the real error
    assert output.read_bytes() == b"%PDF-old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_chromium_succeeding_without_a_pdf_is_an_error(no_chromium, tmp_path, page):
    chromium = executable(tmp_path / "bin" / "chromium", "echo 'nothing printed' >&2\nexit 0")
    with pytest.raises(PdfFailed, match=r"wrote no PDF[\s\S]*nothing printed"):
        write_pdf(page, tmp_path / "scorecard.pdf", chromium=str(chromium))
    assert not (tmp_path / "scorecard.pdf").exists()


def test_chromium_hanging_is_killed_at_the_timeout(no_chromium, tmp_path, page):
    pid_file = tmp_path / "helper.pid"
    # a helper process in the background, as Chromium starts them: it must die too
    chromium = executable(
        tmp_path / "bin" / "chromium",
        f"echo 'still loading' >&2\n{sys.executable} -c 'import time; time.sleep(60)' &\n"
        f"echo $! > {pid_file}\nwait",
    )
    started = time.monotonic()
    with pytest.raises(PdfFailed, match=r"did not print .* within 1 s[\s\S]*still loading"):
        write_pdf(page, tmp_path / "scorecard.pdf", chromium=str(chromium), timeout=1)
    assert time.monotonic() - started < 10
    helper = int(pid_file.read_text())
    time.sleep(0.2)
    assert not running(helper)
    assert not (tmp_path / "scorecard.pdf").exists()


def test_a_missing_page_is_not_printed(no_chromium, tmp_path):
    with pytest.raises(FileNotFoundError):
        write_pdf(tmp_path / "nope.html", tmp_path / "x.pdf", chromium="/bin/true")
