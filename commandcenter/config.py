"""Settings: where the database and the outbox live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_path, user_data_path

ENV_DATABASE_URL = "COMMANDCENTER_DATABASE_URL"
ENV_DATA_DIR = "COMMANDCENTER_DATA_DIR"
# The audit key file (README, "Security"): copy it to every workstation sharing a database.
ENV_AUDIT_KEY_FILE = "COMMANDCENTER_AUDIT_KEY_FILE"
AUDIT_KEY_NAME = "audit.key"
APP_NAME = "commandcenter"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    data_dir: Path
    # None: COMMANDCENTER_AUDIT_KEY_FILE, else audit.key in the user config directory.
    audit_key_file: Path | None = None

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def audit_key_path(self) -> Path:
        if self.audit_key_file is not None:
            return self.audit_key_file
        override = os.environ.get(ENV_AUDIT_KEY_FILE)
        if override:
            return Path(override)
        return user_config_path(APP_NAME, appauthor=False) / AUDIT_KEY_NAME


def default_data_dir() -> Path:
    override = os.environ.get(ENV_DATA_DIR)
    return Path(override) if override else user_data_path(APP_NAME, appauthor=False)


def load_settings(database_url: str | None = None, data_dir: Path | None = None) -> Settings:
    folder = data_dir or default_data_dir()
    url = database_url or os.environ.get(ENV_DATABASE_URL)
    if not url:
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'commandcenter.sqlite'}"
    return Settings(database_url=url, data_dir=folder)
