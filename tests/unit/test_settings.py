"""Settings: the documented example file lists every setting, and values parse as documented."""

import re
from datetime import timedelta

import pytest
from pydantic import ValidationError

from post_service.settings import Settings
from tests.support.services import REPO


def test_every_setting_is_listed_in_env_example():
    listed = set(
        re.findall(
            r"^POST_SERVICE_([A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE
        )
    )
    fields = {name.upper() for name in Settings.model_fields}
    assert fields == listed


def test_auth_tokens_parse_into_callers_by_token():
    settings = Settings(auth_tokens="gateway:abc, feed:def", _env_file=None)
    assert settings.auth_tokens == {"abc": "gateway", "def": "feed"}


@pytest.mark.parametrize("raw", ["gateway", ":abc", "gateway:"])
def test_a_malformed_auth_token_entry_is_refused(raw):
    with pytest.raises(ValidationError):
        Settings(auth_tokens=raw, _env_file=None)


def test_idempotency_retention_accepts_an_iso_duration(monkeypatch):
    monkeypatch.setenv("POST_SERVICE_IDEMPOTENCY_RETENTION", "PT1H")
    assert Settings(_env_file=None).idempotency_retention == timedelta(hours=1)
