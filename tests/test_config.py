from pathlib import Path

import pytest

from config import SETTINGS, Config, ProductionConfig, TestConfig, config_for_env, settings_from_env
from tracker import create_app

README = Path(__file__).resolve().parents[1] / "README.md"


def test_it_reads_settings_from_tracker_prefixed_variables():
    found = settings_from_env({"TRACKER_PORT": "8080", "TRACKER_TIMEZONE": "Asia/Urumqi", "PORT": "1"})
    assert found == {"PORT": 8080, "TIMEZONE": "Asia/Urumqi"}


def test_it_refuses_a_setting_of_the_wrong_type():
    with pytest.raises(ValueError, match="TRACKER_PORT"):
        settings_from_env({"TRACKER_PORT": "eighty"})


def test_it_lets_the_environment_override_the_config_class(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("TRACKER_MAX_UPLOAD_MB", "3")
    app = create_app(TestConfig)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'x.db'}"
    assert app.config["MAX_CONTENT_LENGTH"] == 3 * 1024 * 1024
    assert app.config["TIMEZONE"] == "Asia/Shanghai"


def test_it_refuses_to_start_in_production_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="TRACKER_SECRET_KEY"):
        create_app(ProductionConfig, {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env_var)
def test_it_documents_every_setting_in_the_readme(setting):
    assert f"`{setting.env_var}`" in README.read_text(encoding="utf-8"), f"{setting.env_var} is not in README.md"


def test_it_chooses_the_production_config_from_tracker_env():
    assert config_for_env({"TRACKER_ENV": "production"}) is ProductionConfig
    assert config_for_env({}) is Config


@pytest.mark.parametrize("word", ["flase", "ture", "2", "enabled"])
def test_an_unreadable_yes_or_no_is_an_error(word):
    with pytest.raises(ValueError, match="TRACKER_DEMO_DATA"):
        settings_from_env({"TRACKER_DEMO_DATA": word})


@pytest.mark.parametrize(("word", "value"), [("1", True), ("Yes", True), (" on ", True), ("0", False), ("off", False)])
def test_a_yes_or_no_reads_the_usual_words(word, value):
    assert settings_from_env({"TRACKER_SCHEDULER": word}) == {"SCHEDULER": value}


def test_the_config_and_the_mail_settings_take_their_defaults_from_the_one_declaration():
    from tracker.services.mail.sender import MailSettings

    assert {s.name: getattr(Config, s.name) for s in SETTINGS} == {s.name: s.default for s in SETTINGS}
    mail = MailSettings()
    assert (mail.host, mail.port, mail.security, mail.sender, mail.timeout, mail.max_attempts) == (
        Config.SMTP_HOST,
        Config.SMTP_PORT,
        Config.SMTP_SECURITY,
        Config.SMTP_FROM,
        Config.SMTP_TIMEOUT,
        Config.MAIL_MAX_ATTEMPTS,
    )
