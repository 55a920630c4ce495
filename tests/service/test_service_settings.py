"""Settings: environment names, validation at start-up, unsafe values refused."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from v2v.errors import ConfigError
from v2v.service import load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["29", "3601", "abc", "12.5", ""])
def test_request_timeout_outside_30_to_3600_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("REQUEST_TIMEOUT", value)
    with pytest.raises(ConfigError, match="REQUEST_TIMEOUT"):
        load_settings(_env_file=None)


@pytest.mark.parametrize("value", ["30", "600", "3600"])
def test_request_timeout_in_range_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("REQUEST_TIMEOUT", value)
    assert load_settings(_env_file=None).request_timeout == int(value)


def test_environment_names_are_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "HOST": "0.0.0.0",
        "PORT": "9001",
        "WORKERS": "2",
        "RELOAD": "false",
        "LOG_LEVEL": "debug",
        "API_RATE_LIMIT": "5/second",
        "MODEL_VOLUME_PATH": "/models",
        "GPU_MODEL": "RTX_5090",
        "DISABLE_XFORMERS": "1",
        "DATA_DIR": "/tmp/v2v-data",
        "CORS_ORIGINS": "http://a.example, http://b.example",
        "CSRF_SECRET_KEY": "x" * 32,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(_env_file=None)
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 9001, 2)
    assert settings.log_level == "debug"
    assert settings.rate_limit == (5, 1.0)
    assert settings.cors_origins == ["http://a.example", "http://b.example"]
    assert str(settings.model_volume_path) == "/models" and settings.gpu_model == "RTX_5090"
    assert settings.disable_xformers is True and str(settings.data_dir) == "/tmp/v2v-data"
    assert settings.resolved_database_url == "sqlite:////tmp/v2v-data/jobs.db"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"api_rate_limit": "ten per minute"}, "API_RATE_LIMIT"),
        ({"cors_origins": "*", "cors_allow_credentials": True}, "CORS_ORIGINS"),
        ({"csrf_secret_key": "short"}, "CSRF_SECRET_KEY"),
        ({"port": 0}, "PORT"),
    ],
)
def test_unsafe_or_malformed_values_stop_start_up(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(_env_file=None, **overrides)


@pytest.mark.parametrize("off", ["", "0", "off", " off "])
def test_both_rate_settings_read_the_same_words_for_no_limit(off: str) -> None:
    settings = load_settings(_env_file=None, api_rate_limit=off, auth_failure_limit=off)
    assert settings.rate_limit is None and settings.auth_failures is None


@pytest.mark.parametrize("name", ["api_rate_limit", "auth_failure_limit"])
def test_both_rate_settings_read_one_rate_syntax(name: str) -> None:
    settings = load_settings(_env_file=None, **{name: "20 per 2 minutes"})
    assert (settings.rate_limit, settings.auth_failures)[name == "auth_failure_limit"] == (20, 120)
    with pytest.raises(ConfigError, match=name.upper()):
        load_settings(_env_file=None, **{name: "lots"})


def test_run_py_refuses_a_bad_timeout_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REQUEST_TIMEOUT", "5")
    spec = importlib.util.spec_from_file_location("run", ROOT / "run.py")
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    assert run.main() == 2
    error = capsys.readouterr().err
    assert "REQUEST_TIMEOUT" in error and "between 30 and 3600" in error
    assert "Traceback" not in error and len(error.strip().splitlines()) == 1


def test_server_processes_share_one_csrf_key_without_csrf_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """WORKERS=2 and no CSRF_SECRET_KEY: a token issued by one uvicorn process must pass in the
    other, or the UI's posts fail at random with 403."""
    import uvicorn

    from v2v.service import create_app, serve

    for name in ("CSRF_SECRET_KEY", "WORKERS", "DATA_DIR", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))
    serve(workers=2, data_dir=tmp_path, log_level="warning")
    assert started and started[0]["workers"] == 2
    first, second = (create_app(load_settings(_env_file=None)) for _ in range(2))
    token = first.state.services.csrf.issue()
    assert second.state.services.csrf.check(token, token)


def test_the_original_variable_names_are_read_and_todays_win(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for today in ("API_KEYS", "DATA_DIR"):  # only the original names, this time
        monkeypatch.delenv(today, raising=False)
    monkeypatch.setenv("FASTAPI_API_KEY", "original-key-0123456789")
    monkeypatch.setenv("API_OUTPUT_DIR", str(tmp_path / "outputs"))
    settings = load_settings(_env_file=None)
    assert [k.get_secret_value() for k in settings.api_keys] == ["original-key-0123456789"]
    assert settings.data_dir == tmp_path / "outputs"
    monkeypatch.setenv("API_KEYS", "todays-key-0123456789")
    with caplog.at_level("WARNING", logger="v2v.service.settings"):
        both = load_settings(_env_file=None)
    assert [k.get_secret_value() for k in both.api_keys] == ["todays-key-0123456789"]
    assert "FASTAPI_API_KEY is set as well as API_KEYS; API_KEYS wins" in caplog.text


def test_the_original_names_work_from_a_dotenv_file_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("API_KEYS", "DATA_DIR", "FASTAPI_API_KEY", "API_OUTPUT_DIR"):
        monkeypatch.delenv(name, raising=False)
    env = tmp_path / ".env"
    env.write_text(f"FASTAPI_API_KEY=dotenv-key-0123456789\nAPI_OUTPUT_DIR={tmp_path}/out\n")
    settings = load_settings(_env_file=env)
    assert [k.get_secret_value() for k in settings.api_keys] == ["dotenv-key-0123456789"]
    assert settings.data_dir == tmp_path / "out"
