"""Settings read from the environment (LMS_*) and the refusal of unsafe production settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 (refused outside dev, see below)


class InsecureSettingsError(RuntimeError):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMS_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "production"] = "dev"
    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'lms.db'}")
    secret_key: str = DEV_SECRET
    # Cookies get the Secure flag; set behind an https proxy.
    https: bool = False
    session_idle_minutes: int = 120
    session_absolute_hours: int = 12
    default_locale: Literal["id", "en"] = "id"
    # Zone for times shown where no cohort or region decides it (e.g. the login page).
    default_timezone: Literal["WIB", "WITA", "WIT"] = "WIB"
    # argon2id cost: 7 MiB with 5 passes, one of OWASP's equivalent minimum settings. The memory
    # term is kept small because a web worker must stay under 100 MB while a hall logs in at once.
    argon2_memory_kib: int = 7_168
    argon2_time_cost: int = 5
    # How many password hashes may be computed at once per worker (bounds memory and CPU).
    argon2_concurrency: int = 1
    # Login throttling windows; see accounts/throttle.py for the policy.
    throttle_window_minutes: int = 15
    throttle_account_ip_failures: int = 5
    throttle_account_failures: int = 20
    throttle_ip_failures: int = 100
    throttle_max_lock_minutes: int = 15
    # Threads serving requests in one worker (each may hold a database connection). Four keep
    # two cores busy (requests are short and mostly wait on the database) and the worker's peak
    # memory lower than eight (make bench: 96 against 98.6 MB).
    worker_threads: int = 4
    sql_echo: bool = False
    # The site's public address (https://bimtek.example.go.id) as printed in certificate QR
    # codes and credentials. Empty: the address of the request that issued them.
    public_url: str = ""

    @model_validator(mode="after")
    def _refuse_insecure_secret(self) -> Settings:
        if self.env == "production" and (
            self.secret_key == DEV_SECRET or len(self.secret_key) < 32
        ):
            raise InsecureSettingsError(
                "LMS_SECRET_KEY harus diisi string acak minimal 32 karakter di produksi "
                "(contoh: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
