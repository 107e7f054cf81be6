"""Loading the Kemendagri region data, looking regions up, and the koperasi registry."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import case, func, insert, or_, select
from sqlalchemy.orm import Session, aliased

from lms.regions.models import (
    LEVEL_DISTRICT,
    LEVEL_PROVINCE,
    LEVEL_REGENCY,
    LEVEL_VILLAGE,
    Koperasi,
    Region,
)
from lms.regions.scope import Scope, scoped

FILES = (
    ("provinces.csv.gz", LEVEL_PROVINCE, None),
    ("regencies.csv.gz", LEVEL_REGENCY, "province_code"),
    ("districts.csv.gz", LEVEL_DISTRICT, "regency_code"),
    ("villages.csv.gz", LEVEL_VILLAGE, "district_code"),
)
EXPECTED_COUNTS = {
    LEVEL_PROVINCE: 38,
    LEVEL_REGENCY: 514,
    LEVEL_DISTRICT: 7285,
    LEVEL_VILLAGE: 83762,
}
CODE_PATTERN = {
    1: r"\d{2}",
    2: r"\d{2}\.\d{2}",
    3: r"\d{2}\.\d{2}\.\d{2}",
    4: r"\d{2}\.\d{2}\.\d{2}\.\d{4}",
}
BATCH = 5000


def _rows(filename: str) -> Iterator[dict[str, str]]:
    data = resources.files("lms.regions").joinpath("data", filename).read_bytes()
    with io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(data)), encoding="utf-8") as text:
        yield from csv.DictReader(text)


def normalise_name(name: str) -> str:
    return " ".join(name.lower().split())


def regions_loaded(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Region)) or 0


def load_regions(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Insert every region that is not there yet; returns how many were added.

    Safe to run again: existing codes are left alone, so a partly loaded table is completed.
    """
    existing = set(session.scalars(select(Region.code)))
    added = 0
    for filename, level, parent_field in FILES:
        pattern = re.compile(CODE_PATTERN[level])
        batch: list[dict[str, object]] = []
        for row in _rows(filename):
            code = row["code"]
            if not pattern.fullmatch(code):
                raise ValueError(f"{filename}: kode wilayah tidak sah: {code!r}")
            if code in existing:
                continue
            name = row["name"].strip()
            batch.append(
                {
                    "code": code,
                    "parent_code": row[parent_field] if parent_field else None,
                    "level": level,
                    "name": name,
                    "search_name": normalise_name(name),
                    "province_code": code[:2],
                    "regency_code": code[:5] if level >= LEVEL_REGENCY else None,
                }
            )
            if len(batch) >= BATCH:
                session.execute(insert(Region), batch)
                added += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            session.execute(insert(Region), batch)
            added += len(batch)
            if progress:
                progress(len(batch))
    return added


def total_rows() -> int:
    return sum(EXPECTED_COUNTS.values())


def short_regency(name: str) -> str:
    return name.replace("Kabupaten ", "Kab. ", 1)


@dataclass(frozen=True)
class VillageHit:
    code: str
    name: str
    district: str
    regency: str
    province: str
    is_kelurahan: bool

    @property
    def label(self) -> str:
        return f"{self.name}, {self.district}, {short_regency(self.regency)}"

    @property
    def default_koperasi_name(self) -> str:
        kind = "Kelurahan" if self.is_kelurahan else "Desa"
        return f"Koperasi {kind} Merah Putih {self.name}"


def normalise_code(text: str) -> str | None:
    """'3603182014', '36.03.18.2014' or a prefix of them -> dotted form; None if not a code."""
    digits = re.sub(r"[.\s]", "", text)
    if not digits.isdigit() or len(digits) > 10:
        return None
    parts = [digits[0:2], digits[2:4], digits[4:6], digits[6:10]]
    return ".".join(p for p in parts if p)


def search_villages(
    session: Session, query: str, scope: Scope, limit: int = 15
) -> list[VillageHit]:
    """Villages whose name (with kecamatan, kab/kota) or code match; restricted to `scope`."""
    query = query.strip()
    if len(query) < 2:
        return []
    district = aliased(Region)
    regency = aliased(Region)
    province = aliased(Region)
    stmt = (
        select(Region.code, Region.name, district.name, regency.name, province.name)
        .join(district, district.code == Region.parent_code)
        .join(regency, regency.code == district.parent_code)
        .join(province, province.code == regency.parent_code)
        .where(Region.level == LEVEL_VILLAGE)
    )
    code = normalise_code(query)
    if code is not None:
        stmt = stmt.where(Region.code.startswith(code, autoescape=True)).order_by(Region.code)
    else:
        tokens = [t for t in re.split(r"[,\s]+", normalise_name(query)) if t]
        for token in tokens:
            stmt = stmt.where(
                or_(
                    Region.search_name.contains(token, autoescape=True),
                    district.search_name.contains(token, autoescape=True),
                    regency.search_name.contains(token, autoescape=True),
                )
            )
        first = tokens[0]
        rank = case(
            (Region.search_name == first, 0),
            (Region.search_name.startswith(first, autoescape=True), 1),
            (Region.search_name.contains(first, autoescape=True), 2),
            else_=3,
        )
        stmt = stmt.order_by(rank, Region.name, Region.code)
    stmt = scoped(stmt, scope, Region).limit(limit)
    return [
        VillageHit(code=c, name=n, district=d, regency=r, province=p, is_kelurahan=c[9] == "1")
        for c, n, d, r, p in session.execute(stmt)
    ]


def village_hit(session: Session, code: str) -> VillageHit | None:
    """The village with this exact code, with its kecamatan, kab/kota and province names."""
    if not re.fullmatch(CODE_PATTERN[LEVEL_VILLAGE], code):
        return None
    names = dict(
        session.execute(
            select(Region.code, Region.name).where(
                Region.code.in_([code, code[:8], code[:5], code[:2]])
            )
        ).all()
    )
    if code not in names:
        return None
    return VillageHit(
        code=code,
        name=names[code],
        district=names.get(code[:8], ""),
        regency=names.get(code[:5], ""),
        province=names.get(code[:2], ""),
        is_kelurahan=code[9] == "1",
    )


def region_label(session: Session, code: str) -> str:
    """'Kab. Tangerang, Banten' for a regency, 'Banten' for a province, village label otherwise."""
    region = session.get(Region, code)
    if region is None:
        return code
    if region.level == LEVEL_PROVINCE:
        return region.name
    if region.level == LEVEL_VILLAGE:
        hit = village_hit(session, code)
        return hit.label if hit else region.name
    province = session.get(Region, code[:2])
    name = short_regency(region.name) if region.level == LEVEL_REGENCY else region.name
    return f"{name}, {province.name}" if province else name


def koperasi_for_village(session: Session, village_code: str) -> Koperasi | None:
    return session.scalar(select(Koperasi).where(Koperasi.village_code == village_code))


class KoperasiInputError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def koperasi_snapshot(koperasi: Koperasi) -> dict[str, object]:
    return {
        "name": koperasi.name,
        "village_code": koperasi.village_code,
        "legal_number": koperasi.legal_number,
    }


def validate_koperasi(
    session: Session,
    scope: Scope,
    *,
    name: str,
    village_code: str,
    legal_number: str,
    existing: Koperasi | None = None,
) -> dict[str, object]:
    """Checked values for a koperasi, or KoperasiInputError with a message per field."""
    from lms.i18n import gettext as _

    errors: dict[str, str] = {}
    name = " ".join(name.split())
    village = session.get(Region, village_code) if village_code else None
    if village is None or village.level != LEVEL_VILLAGE:
        errors["village_code"] = _("Pilih desa/kelurahan dari hasil pencarian.")
    elif not scope.allows(village.province_code, village.regency_code):
        errors["village_code"] = _("Desa/kelurahan ini di luar wilayah kerja Anda.")
    else:
        other = koperasi_for_village(session, village.code)
        if other is not None and (existing is None or other.id != existing.id):
            errors["village_code"] = _(
                "Desa/kelurahan ini sudah punya koperasi: %(name)s. Satu desa/kelurahan hanya "
                "boleh punya satu Koperasi Merah Putih."
            ) % {"name": other.name}
    if len(name) < 5:
        errors["name"] = _("Isi nama koperasi, misalnya Koperasi Desa Merah Putih Bojong.")
    number = " ".join(legal_number.split()) or None
    if number:
        clash = session.scalar(select(Koperasi.id).where(Koperasi.legal_number == number))
        if clash is not None and (existing is None or clash != existing.id):
            errors["legal_number"] = _("Nomor badan hukum ini sudah tercatat untuk koperasi lain.")
    if errors:
        raise KoperasiInputError(errors)
    assert village is not None
    return {
        "name": name,
        "village_code": village.code,
        "province_code": village.province_code,
        "regency_code": village.regency_code,
        "legal_number": number,
    }
