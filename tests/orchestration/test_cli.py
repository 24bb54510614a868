"""The command line's contract: exit codes and clear first sentences."""

from __future__ import annotations

from tests.conftest import REPO, run_cli


def test_validate_config_accepts_the_example(tmp_path):
    result = run_cli(
        "validate-config", "--config", str(REPO / "scorecard.example.yml"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout
    assert "HUBSPOT_TOKEN" in result.stdout  # names the variables, never values


def test_configuration_errors_exit_2_for_validate_and_run(tmp_path):
    bad = tmp_path / "scorecard.yml"
    bad.write_text("timezone: Mars/Olympus\n", encoding="utf-8")
    for command in (["validate-config"], ["run"]):
        result = run_cli(*command, "--config", str(bad), cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.startswith("Configuration error.")
        assert "timezone: 'Mars/Olympus' is not an IANA time zone" in " ".join(
            result.stderr.split()
        )
    assert not (tmp_path / "data").exists()  # nothing ran


def test_missing_config_file_is_a_configuration_error(tmp_path):
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "scorecard.yml" in result.stderr and "does not exist" in result.stderr


def test_version_names_the_installed_package(tmp_path):
    from importlib.metadata import version

    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"scorecard {version('marketing-scorecard')}"


def test_verbose_and_quiet_contradict_and_log_format_is_checked(tmp_path):
    both = run_cli("--verbose", "--quiet", "status", "--demo", cwd=tmp_path)
    assert both.returncode == 2
    assert "--verbose and --quiet contradict each other" in both.stderr
    bad = run_cli("--log-format", "xml", "status", "--demo", cwd=tmp_path)
    assert bad.returncode == 2 and "xml" in bad.stderr
    assert "--log-format" in run_cli("--help", cwd=tmp_path).stdout
