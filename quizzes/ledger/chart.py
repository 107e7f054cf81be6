"""Chart of accounts (bagan akun) with the default KDKMP chart from the course.

The default chart (``default_chart.yaml``) follows module 2 of the *Pembukuan* course:
1-xxx aset, 2-xxx liabilitas, 3-xxx ekuitas, 4-xxx pendapatan, 5-xxx beban, with sub-accounts
per business unit and contra accounts whose normal balance is opposite to their group.

Simpanan pokok and simpanan wajib are ekuitas in the Indonesian tradition (UU 25/1992 Pasal 41,
PSAK 27), but IFRS-based rules (IFRIC 2) treat redeemable member shares as liabilities and
SAK EP's own wording is unverified, so their group is a setting: ``simpanan_as``. Changing it
keeps the account codes (journals do not change); only the group in the reports moves.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import resources
from typing import Any, Literal

import yaml

__all__ = [
    "Account",
    "AccountType",
    "Chart",
    "ChartError",
    "NormalBalance",
    "SimpananAs",
    "load_default_chart",
]

SimpananAs = Literal["ekuitas", "liabilitas"]


class ChartError(ValueError):
    """A chart of accounts that is inconsistent, or an unknown account code."""


class AccountType(StrEnum):
    ASET = "aset"
    LIABILITAS = "liabilitas"
    EKUITAS = "ekuitas"
    PENDAPATAN = "pendapatan"
    BEBAN = "beban"

    @property
    def natural_balance(self) -> NormalBalance:
        """The normal balance of a non-contra account of this type."""
        if self in (AccountType.ASET, AccountType.BEBAN):
            return NormalBalance.DEBIT
        return NormalBalance.KREDIT

    @property
    def label(self) -> str:
        return {
            AccountType.ASET: "Aset",
            AccountType.LIABILITAS: "Liabilitas",
            AccountType.EKUITAS: "Ekuitas",
            AccountType.PENDAPATAN: "Pendapatan",
            AccountType.BEBAN: "Beban",
        }[self]


class NormalBalance(StrEnum):
    DEBIT = "debit"
    KREDIT = "kredit"

    @property
    def sign(self) -> int:
        """+1 if a debit increases the account, -1 if a credit does."""
        return 1 if self is NormalBalance.DEBIT else -1


@dataclass(frozen=True, slots=True)
class Account:
    """One account. ``contra_of`` names the account a contra account reduces."""

    code: str
    name: str
    type: AccountType
    normal_balance: NormalBalance | None = None
    contra_of: str | None = None
    unit: str = "umum"
    simpanan_modal: bool = False

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise ChartError("Kode akun tidak boleh kosong.")
        if not self.name.strip():
            raise ChartError(f"Akun {self.code} belum diberi nama.")
        object.__setattr__(self, "type", AccountType(self.type))
        expected = self.type.natural_balance
        if self.contra_of is not None:
            expected = NormalBalance.KREDIT if expected is NormalBalance.DEBIT else expected.DEBIT
        if self.normal_balance is None:
            object.__setattr__(self, "normal_balance", expected)
        elif NormalBalance(self.normal_balance) is not expected:
            kind = "akun kontra " if self.contra_of else ""
            raise ChartError(
                f"Akun {self.code} {self.name}: saldo normal {kind}{self.type.value} "
                f"seharusnya {expected.value}, bukan {NormalBalance(self.normal_balance).value}."
            )
        else:
            object.__setattr__(self, "normal_balance", NormalBalance(self.normal_balance))

    @property
    def normal(self) -> NormalBalance:
        assert self.normal_balance is not None  # set in __post_init__
        return self.normal_balance

    @property
    def is_contra(self) -> bool:
        return self.contra_of is not None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


class Chart:
    """An ordered, immutable chart of accounts."""

    def __init__(
        self,
        accounts: Iterable[Account],
        *,
        shu_account: str = "3-401",
        tax_accounts: Iterable[str] = (),
    ) -> None:
        by_code: dict[str, Account] = {}
        for account in accounts:
            if account.code in by_code:
                raise ChartError(f"Kode akun {account.code} dipakai lebih dari sekali.")
            by_code[account.code] = account
        self._accounts = dict(sorted(by_code.items()))
        for account in self._accounts.values():
            if account.contra_of is not None:
                partner = self._accounts.get(account.contra_of)
                if partner is None:
                    raise ChartError(
                        f"Akun kontra {account.label} mengurangi akun {account.contra_of}, "
                        "tetapi akun itu tidak ada di bagan akun."
                    )
                if partner.type is not account.type:
                    raise ChartError(
                        f"Akun kontra {account.label} harus sekelompok dengan {partner.label}."
                    )
        self.shu_account = shu_account
        shu = self.get(shu_account)
        if shu.type is not AccountType.EKUITAS:
            raise ChartError(f"Akun SHU tahun berjalan {shu.label} harus akun ekuitas.")
        self.tax_accounts = tuple(tax_accounts)
        for code in self.tax_accounts:
            if self.get(code).type is not AccountType.BEBAN:
                raise ChartError(f"Akun pajak {self.get(code).label} harus akun beban.")

    def __iter__(self) -> Iterator[Account]:
        return iter(self._accounts.values())

    def __len__(self) -> int:
        return len(self._accounts)

    def __contains__(self, code: object) -> bool:
        return code in self._accounts

    def get(self, code: str) -> Account:
        try:
            return self._accounts[code]
        except KeyError:
            raise ChartError(f"Kode akun {code} tidak ada di bagan akun.") from None

    def __getitem__(self, code: str) -> Account:
        return self.get(code)

    def of_type(self, account_type: AccountType) -> list[Account]:
        return [a for a in self if a.type is account_type]

    def search(self, query: str) -> list[Account]:
        """Accounts whose code starts with, or whose name contains, ``query`` (any case)."""
        needle = " ".join(query.split()).casefold()
        if not needle:
            return []
        return [
            a for a in self if a.code.casefold().startswith(needle) or needle in a.name.casefold()
        ]

    def with_overrides(self, accounts: Iterable[Account] = (), remove: Iterable[str] = ()) -> Chart:
        """A new chart for a case study: same codes replaced, new codes added, some removed."""
        merged = dict(self._accounts)
        for code in remove:
            self.get(code)
            del merged[code]
        for account in accounts:
            merged[account.code] = account
        return Chart(merged.values(), shu_account=self.shu_account, tax_accounts=self.tax_accounts)

    def with_simpanan_as(self, simpanan_as: SimpananAs) -> Chart:
        """Move simpanan pokok and wajib (``simpanan_modal``) to ekuitas or liabilitas."""
        if simpanan_as not in ("ekuitas", "liabilitas"):
            raise ChartError(
                f"Pengaturan simpanan_as {simpanan_as!r} tidak dikenal; "
                "pilih \u201cekuitas\u201d atau \u201cliabilitas\u201d."
            )
        target = AccountType(simpanan_as)
        moved = [
            replace(a, type=target, normal_balance=None)
            for a in self
            if a.simpanan_modal and a.type is not target
        ]
        return self.with_overrides(moved)


def _account_from_mapping(row: dict[str, Any]) -> Account:
    return Account(
        code=str(row["code"]),
        name=str(row["name"]),
        type=AccountType(row["type"]),
        normal_balance=NormalBalance(row["normal"]) if "normal" in row else None,
        contra_of=str(row["contra_of"]) if row.get("contra_of") else None,
        unit=str(row.get("unit", "umum")),
        simpanan_modal=bool(row.get("simpanan_modal", False)),
    )


def load_chart_yaml(text: str) -> Chart:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise ChartError("Berkas bagan akun harus berisi daftar \u201caccounts\u201d.")
    return Chart(
        (_account_from_mapping(row) for row in data["accounts"]),
        shu_account=str(data.get("shu_account", "3-401")),
        tax_accounts=[str(c) for c in data.get("tax_accounts", [])],
    )


@functools.cache
def load_default_chart(simpanan_as: SimpananAs = "ekuitas") -> Chart:
    """The course's KDKMP chart; ``simpanan_as`` sets the group of simpanan pokok and wajib.

    Read once per process and shared: a Chart is never changed after it is made (variants are
    new charts from :meth:`Chart.with_overrides` and :meth:`Chart.with_simpanan_as`)."""
    text = resources.files("quizzes.ledger").joinpath("default_chart.yaml").read_text("utf-8")
    return load_chart_yaml(text).with_simpanan_as(simpanan_as)
