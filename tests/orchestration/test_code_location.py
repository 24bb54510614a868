"""The Dagster code location loads the configured scorecard — and never the demo by accident.

Checked with `dagster definitions validate`, which loads the code location as the webserver
and the daemon do: a missing or invalid `$SCORECARD_CONFIG` fails it with validate-config's
message (so no schedule of the demo can run in its place), and the demo loads only when asked
for with `SCORECARD_DEMO=1`."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import REPO

DAGSTER = REPO / ".venv" / "bin" / "dagster"


def validate(tmp_path, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SCORECARD_CONFIG", "SCORECARD_DEMO", "DAGSTER_HOME")
    }
    environment.update(DAGSTER_HOME=str(tmp_path), **env)
    result = subprocess.run(
        [str(DAGSTER), "definitions", "validate", "-m", "orchestration.definitions"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.returncode, result.stdout + result.stderr


def test_a_missing_config_fails_the_code_location_instead_of_loading_the_demo(tmp_path):
    missing = tmp_path / "gone" / "scorecard.yml"
    code, output = validate(tmp_path, SCORECARD_CONFIG=str(missing))
    assert code != 0
    assert f"{missing} has 1 configuration problem" in output
    assert "the file does not exist" in output
    assert "Validation successful" not in output
    # nor does a folder without scorecard.yml and without SCORECARD_CONFIG load the demo
    code, output = validate(tmp_path)
    assert code != 0 and "scorecard.yml has 1 configuration problem" in output


def test_an_invalid_config_fails_with_the_validate_config_message(tmp_path):
    bad = tmp_path / "scorecard.yml"
    bad.write_text("timezone: Mars/Olympus\nsources: []\nobjectives: []\nkpis: []\n")
    code, output = validate(tmp_path, SCORECARD_CONFIG=str(bad))
    assert code != 0
    assert "'Mars/Olympus' is not an IANA time zone" in output


def test_the_demo_loads_only_when_asked_for(tmp_path):
    code, output = validate(tmp_path, SCORECARD_DEMO="1")
    assert code == 0, output[-2000:]
    assert "Validation successful for code location orchestration.definitions" in output
