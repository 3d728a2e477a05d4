"""Make ``data.json``: the rows a softtoken 0.1 database holds after a person registered,
activated a soft token, logged in once and changed their password.

Run once, with the 0.1 library (commit ae7c52f, the last schema without migrations):
``python tests/vectors/schema_0_1/make_data.py``. The upgrade test loads these rows into
the 0.1 schema (revision 0001), upgrades, and checks the deployment still works on them.
"""

from __future__ import annotations

import base64
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from softtoken import Config, FakeClock, build
from softtoken._registration_settings import RegistrationSettings
from softtoken.mail.memory import MemoryMailbox
from softtoken.policy import Policy
from softtoken.storage.sql import SqlStorage, metadata
from softtoken.testing import Harness, PaoTangWallet, make_test_authority, soft_token_user

SECRET_KEY = bytes(range(32))
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode()}
    return value


def main() -> None:
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'v0_1.db'}"
    storage = SqlStorage(url)
    clock = FakeClock(NOW)
    wallet = PaoTangWallet(clock=clock)
    mailbox = MemoryMailbox()
    soft = build(
        Config(
            secret_key=SECRET_KEY,
            storage_url=url,
            policy=Policy.for_tests(),
            registration=RegistrationSettings(
                paotang=wallet.config(), paotang_status_api=wallet.status_api
            ),
        ),
        clock=clock,
        storage=storage,
        email_sender=mailbox,
        allow_test_policy=True,
        authority=make_test_authority(now=NOW),
    )
    harness = Harness(softtoken=soft, clock=clock, mailbox=mailbox, wallet=wallet)
    phone = soft_token_user(harness)
    harness.deliver_mail()
    tables: dict[str, list[dict[str, object]]] = {}
    with storage.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(sa.select(table)).mappings().all()
            tables[table.name] = [{k: _cell(v) for k, v in row.items()} for row in rows]
    out = {
        "made_by": "softtoken 0.1 (commit ae7c52f), tests/vectors/schema_0_1/make_data.py",
        "secret_key": base64.b64encode(SECRET_KEY).decode(),
        "now": NOW.isoformat(),
        "certificate_serial": phone.certificate_serial,
        "tables": tables,
    }
    target = Path(__file__).with_name("data.json")
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    soft.close()


if __name__ == "__main__":
    main()
