"""Login throttling, stored in the database so that every worker sees the same counts.

Policy (all within a sliding window, default 15 minutes):
- one account from one address: after 5 failures the next try must wait, doubling from 30 s and
  capped at 15 minutes;
- one account from anywhere: after 20 failures, a wait of up to 15 minutes;
- one address: after 100 failures (a Bimtek hall shares one address), a wait of up to 15 minutes.
A wait never exceeds 15 minutes, so an attacker cannot keep a person out for long, and a
successful login clears the failures of that account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from lms.accounts.models import LoginFailure
from lms.config import Settings
from lms.db import utcnow

BASE_DELAY_SECONDS = 30


@dataclass(frozen=True)
class Throttled:
    until: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds() + 0.999))


def _window(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(minutes=settings.throttle_window_minutes)


def check(session: Session, settings: Settings, account: str, ip: str) -> Throttled | None:
    """The wait still owed for this account and address, or None if a try is allowed now."""
    now = utcnow()
    since = _window(settings, now)
    cap = timedelta(minutes=settings.throttle_max_lock_minutes)

    def stats(*conditions: ColumnElement[bool]) -> tuple[int, datetime | None]:
        row = session.execute(
            select(func.count(), func.max(LoginFailure.created_at)).where(
                LoginFailure.created_at > since, *conditions
            )
        ).one()
        latest = row[1]
        if latest is not None and latest.tzinfo is None:
            latest = latest.replace(tzinfo=UTC)
        return int(row[0]), latest

    waits: list[datetime] = []
    pair_count, pair_last = stats(LoginFailure.account == account, LoginFailure.ip == ip)
    if pair_count >= settings.throttle_account_ip_failures and pair_last:
        extra = pair_count - settings.throttle_account_ip_failures
        delay = timedelta(seconds=BASE_DELAY_SECONDS * 2 ** min(extra, 10))
        waits.append(pair_last + min(delay, cap))
    account_count, account_last = stats(LoginFailure.account == account)
    if account_count >= settings.throttle_account_failures and account_last:
        waits.append(account_last + cap)
    ip_count, ip_last = stats(LoginFailure.ip == ip)
    if ip_count >= settings.throttle_ip_failures and ip_last:
        waits.append(ip_last + cap)
    until = max(waits, default=None)
    if until is not None and until > now:
        return Throttled(until)
    return None


def record_failure(session: Session, settings: Settings, account: str, ip: str) -> None:
    now = utcnow()
    session.add(LoginFailure(account=account, ip=ip, created_at=now))
    # Old rows are no longer needed by any window; pruning here keeps the table small.
    session.execute(delete(LoginFailure).where(LoginFailure.created_at < _window(settings, now)))


def clear(session: Session, account: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.account == account))
