"""deploy/ checked as far as this machine allows: systemd units with systemd-analyze,
the compose file, Dockerfile, crontab example and .env example parsed and held to
what the deploy README promises (non-root, /data volume, tested constraints, loopback
ports, only real settings, no secret values)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.commands import COMMANDS
from store.settings import SETTINGS

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
PLANWATCH = Path(sys.executable).with_name("planwatch")
UNITS = ["planwatch-daemon.service", "planwatch-cycle.service", "planwatch-cycle.timer", "planwatch-web.service"]
SETTING_ENVS = {setting.env for setting in SETTINGS}
SECRET_ENVS = {setting.env for setting in SETTINGS if setting.secret}
_ENV_NAME = re.compile(r"\bPLANWATCH_[A-Z0-9_]+\b")
_NOT_SETTINGS = {"PLANWATCH_CONFIG", "PLANWATCH_TEST_DATABASE_URL", "PLANWATCH_UPDATE_DOCS"}


def _unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _planwatch_args(exec_start: str) -> list[str]:
    binary, *args = exec_start.split()
    assert binary.endswith("/bin/planwatch"), exec_start
    return args


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """The units as installed, but pointing at this checkout's planwatch so the check can
    see an executable; any warning about our files fails the test."""
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/opt/planwatch/.venv/bin/planwatch", str(PLANWATCH)), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / name) for name in UNITS]],
                            capture_output=True, text=True, timeout=60)
    ours = [line for line in (result.stdout + result.stderr).splitlines()
            if any(name in line for name in UNITS)]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_timer_calendar_is_valid_and_frequent() -> None:
    [calendar] = _unit("planwatch-cycle.timer")["Timer"]["OnCalendar"]
    result = subprocess.run(["systemd-analyze", "calendar", "--iterations=3", calendar],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "*:00/15:00" in result.stdout


def test_units_run_real_commands_as_the_planwatch_user() -> None:
    daemon, cycle, web = (_unit(name)["Service"] for name in ("planwatch-daemon.service",
                                                              "planwatch-cycle.service", "planwatch-web.service"))
    assert _planwatch_args(daemon["ExecStart"][0]) == ["daemon"]
    assert _planwatch_args(cycle["ExecStart"][0]) == ["run", "--once"]
    assert _planwatch_args(web["ExecStart"][0]) == ["serve"]
    for service in (daemon, cycle, web):
        assert service["User"] == ["planwatch"]
        assert service["EnvironmentFile"] == ["-/etc/planwatch/planwatch.env"]
        for assignment in service.get("Environment", []):
            assert assignment.split("=", 1)[0] in SETTING_ENVS | {"PLANWATCH_CONFIG"}
    assert daemon["KillMode"] == ["mixed"] and daemon["KillSignal"] == ["SIGTERM"]
    assert "5" in cycle["SuccessExitStatus"][0].split(), "a cycle refused by the lock is not a failure"
    assert _unit("planwatch-cycle.timer")["Timer"]["Unit"] == ["planwatch-cycle.service"]


def test_every_unit_command_is_a_registered_subcommand() -> None:
    for name in UNITS:
        for exec_start in _unit(name).get("Service", {}).get("ExecStart", []):
            assert _planwatch_args(exec_start)[0] in COMMANDS


def test_crontab_lines_are_valid_and_run_a_quiet_cycle() -> None:
    from apscheduler.triggers.cron import CronTrigger

    jobs = []
    for line in (DEPLOY / "crontab.example").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            name = line.split("=", 1)[0]
            assert not name.startswith("PLANWATCH_") or name in SETTING_ENVS | {"PLANWATCH_CONFIG"}
            continue
        fields = line.split(None, 6)
        CronTrigger.from_crontab(" ".join(fields[:5]))
        assert fields[5] == "planwatch", "system crontab format: the sixth field is the user"
        jobs.append(fields[6])
    assert len(jobs) == 1 and jobs[0].rstrip().endswith("planwatch run --once --quiet")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    return loaded


def test_compose_has_planwatch_postgres_and_a_mail_catcher() -> None:
    services = _compose()["services"]
    commands = {name: service.get("command") for name, service in services.items()}
    assert commands["daemon"] == ["daemon"] and commands["web"] == ["serve"]
    assert commands["migrate"] == ["db", "upgrade"]
    assert services["db"]["image"].startswith("postgres:")
    assert re.match(r"^(axllent/mailpit|mailhog/mailhog)", services["mail"]["image"])
    for name in ("daemon", "web", "migrate"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert "data:/data" in services[name]["volumes"]
        assert "postgresql+psycopg://" in services[name]["environment"]["PLANWATCH_DATABASE_URL"]
    assert services["daemon"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_publishes_only_on_loopback_and_names_only_real_settings() -> None:
    compose = _compose()
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
        for key, value in (service.get("environment") or {}).items():
            if key.startswith("PLANWATCH_"):
                assert key in SETTING_ENVS, f"{name}: {key} is not a planwatch setting"
                assert key not in SECRET_ENVS, f"{name}: secret {key} belongs in .env"
            assert "change-me" not in str(value)


def test_compose_variables_are_documented_in_env_example() -> None:
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")))
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", example, re.M))
    assert used <= documented, f"undocumented in .env.example: {sorted(used - documented)}"


def test_env_example_holds_no_secret_values_and_only_real_settings() -> None:
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z0-9_]+)=(.*)$", line)
        if not match:
            continue
        name, value = match.groups()
        if name.startswith("PLANWATCH_"):
            assert name in SETTING_ENVS, name
        if name in SECRET_ENVS or "PASSWORD" in name:
            assert value == "", f"{name} has a value in the example"
    names = set(_ENV_NAME.findall((DEPLOY / ".env.example").read_text(encoding="utf-8")))
    assert names - _NOT_SETTINGS <= SETTING_ENVS
    assert names >= SECRET_ENVS, "every secret setting is shown where it goes"


def _dockerfile() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            rows.append((instruction.upper(), rest.strip()))
    return rows


def test_dockerfile_is_slim_non_root_with_a_data_volume_and_tested_constraints() -> None:
    rows = _dockerfile()
    assert rows[0] == ("FROM", "python:3.11-slim")
    users = [rest for instruction, rest in rows if instruction == "USER"]
    assert users and users[-1] not in {"root", "0"}
    user_at = max(index for index, (instruction, _) in enumerate(rows) if instruction == "USER")
    assert all(instruction not in {"RUN", "COPY", "ADD"} for instruction, _ in rows[user_at:]), \
        "nothing is installed after dropping root"
    assert any(instruction == "VOLUME" and "/data" in rest for instruction, rest in rows)
    installs = [rest for instruction, rest in rows if instruction == "RUN" and "pip install" in rest]
    assert installs and all("-c deploy/constraints.txt" in rest for rest in installs)
    env = " ".join(rest for instruction, rest in rows if instruction == "ENV")
    assert "PLANWATCH_DATA_DIR=/data" in env
    assert set(_ENV_NAME.findall(env)) <= SETTING_ENVS
    entry = [rest for instruction, rest in rows if instruction == "ENTRYPOINT"]
    assert entry == ['["planwatch"]']


def test_dockerfile_copies_what_exists_and_every_package_pyproject_installs() -> None:
    rows = _dockerfile()
    copied = []
    for instruction, rest in rows:
        if instruction == "COPY":
            *sources, _dest = rest.split()
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"
                copied.append(source)
    for package in ("store", "crawler", "monitor", "reports"):
        assert package in copied
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored and "planwatch-data" in ignored and ".git" in ignored


def test_deploy_readme_names_real_files_commands_and_settings() -> None:
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    table = re.findall(r"^\| `([^`]+)`(?:, `([^`]+)`)? \|", text, re.M)
    named = [name for row in table for name in row if name]
    assert len(named) >= 10
    for name in named:
        assert (DEPLOY / name).is_file(), f"deploy/README.md names {name}, which is not in deploy/"
    commands = set(re.findall(r"^\s+pw ([a-z-]+)", text, re.M))
    commands |= set(re.findall(r"(?:`|bin/|exec )planwatch ([a-z][a-z-]*)", text))
    assert {"db", "status", "subscribers", "daemon", "run", "serve"} <= commands
    for command in commands:
        assert command in COMMANDS, f"deploy/README.md runs `planwatch {command}`, which does not exist"
    for env in set(_ENV_NAME.findall(text)) - _NOT_SETTINGS:
        assert env in SETTING_ENVS, f"deploy/README.md names {env}, which is no setting"
    for step in ("db upgrade", "Backups", "Upgrading", "planwatch.env", "docker compose up"):
        assert step in text
