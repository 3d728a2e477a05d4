from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from softtoken import ConfigurationError
from softtoken._wiring import Config
from softtoken.cli import main
from softtoken.cli._demo import run_demo


def test_demo_walks_the_chapters_and_verifies_the_audit_log(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_demo(out, workdir=tmp_path) == 0
    text = out.getvalue()
    assert "password change required: True" in text
    assert "hash chain verified" in text
    assert "signed in at AAL2 with password + soft_token" in text
    assert "the purge removed" in text
    assert "records extend the checkpoint" in text
    assert (tmp_path / "softtoken.db").exists()


def test_db_init_creates_the_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'st.db'}"
    assert main(["db", "init", "--url", url]) == 0
    assert main(["db", "init", "--url", url]) == 0  # idempotent
    tables = sa.inspect(sa.create_engine(url)).get_table_names()
    assert {"st_accounts", "st_outbox", "st_audit_events", "st_audit_head"} <= set(tables)
    assert "is at revision" in capsys.readouterr().out


def test_db_upgrade_brings_a_0_1_database_to_this_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from softtoken.storage.sql import migrations

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    # What 0.1's `db init` did: 0.1's tables (revision 0001 is exactly them; today's
    # metadata has tables later revisions add), and no version table.
    migrations.upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {migrations.VERSION_TABLE}"))
    engine.dispose()
    assert main(["db", "current", "--url", url]) == 0
    assert capsys.readouterr().out.startswith("unversioned")
    assert main(["db", "upgrade", "--url", url]) == 0
    assert main(["db", "current", "--url", url]) == 0
    head = migrations.head_revision()
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"{head}; this version: {head}")


def test_policy_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy"]) == 0
    assert '"otp_resend_interval": 90.0' in capsys.readouterr().out


def test_in_memory_sqlite_is_refused_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "init", "--url", "sqlite://"]) == 2
    assert "in-memory SQLite" in capsys.readouterr().err


def test_config_from_env() -> None:
    secret = base64.b64encode(b"s" * 32).decode()
    config = Config.from_env(
        {
            "SOFTTOKEN_SECRET_KEY": secret,
            "SOFTTOKEN_STORAGE_URL": "memory://",
            "SOFTTOKEN_SMTP_HOST": "mail.example.go.th",
            "SOFTTOKEN_SMTP_PORT": "465",
            "SOFTTOKEN_SMTP_SECURITY": "ssl",
        }
    )
    # The single secret is the keyring of one key, k0 (docs/privacy.md, "Keyring").
    assert config.keyring is not None
    assert config.keyring.key_ids == ("k0",)
    assert config.keyring.secret("k0") == b"s" * 32
    assert config.smtp is not None
    assert (config.smtp.port, config.smtp.security) == (465, "ssl")
    assert "secret_key" not in repr(config)
    assert "keyring" not in repr(config)
    for bad in (
        {},
        {"SOFTTOKEN_SECRET_KEY": "***"},
        {
            "SOFTTOKEN_SECRET_KEY": secret,
            "SOFTTOKEN_SMTP_HOST": "h",
            "SOFTTOKEN_SMTP_SECURITY": "tls9",
        },
    ):
        with pytest.raises(ConfigurationError):
            Config.from_env(bad)


def test_a_short_secret_is_refused() -> None:
    from softtoken import build

    with pytest.raises(ConfigurationError):
        build(Config(secret_key=b"short", storage_url="memory://"))


def test_db_purge_reports_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64
    import json

    monkeypatch.setenv("SOFTTOKEN_SECRET_KEY", base64.b64encode(b"k" * 32).decode())
    monkeypatch.setenv("SOFTTOKEN_STORAGE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    assert main(["db", "purge", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["deleted"]) >= {"one_time_codes", "outbox", "login_challenges"}
    assert sum(report["deleted"].values()) == 0
    assert main(["db", "purge", "--batch-size", "0"]) == 2
    assert "invalid_batch_size" in capsys.readouterr().err
