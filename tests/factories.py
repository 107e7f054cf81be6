"""factory-boy factories for the models; `bind()` points them at the test's session."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import factory
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Jabatan, Role, User
from lms.accounts.passwords import hash_password
from lms.cohorts.models import Cohort, CohortCourse, CohortSession
from lms.regions.models import LEVEL_VILLAGE, Koperasi, Region

PASSWORD = "sandi-uji-123"
KAB_TANGERANG = "36.03"
KOTA_SERANG = "36.73"
BANTEN = "36"

_phones = itertools.count(1)


@lru_cache
def password_hash() -> str:
    return hash_password(PASSWORD)


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None
        sqlalchemy_session_persistence = "flush"


def bind(session: Session) -> None:
    for cls in (UserFactory, KoperasiFactory, CohortFactory, CohortSessionFactory):
        cls._meta.sqlalchemy_session = session


def free_village(session: Session, regency_code: str) -> str:
    """A village of the regency that has no koperasi yet."""
    taken = select(Koperasi.village_code)
    code = session.scalar(
        select(Region.code)
        .where(Region.regency_code == regency_code, Region.level == LEVEL_VILLAGE)
        .where(Region.code.not_in(taken))
        .order_by(Region.code)
        .limit(1)
    )
    assert code, f"no free village left in {regency_code}"
    return code


class KoperasiFactory(Base):
    class Meta:
        model = Koperasi

    class Params:
        regency = KAB_TANGERANG

    village_code = factory.LazyAttribute(
        lambda o: free_village(KoperasiFactory._meta.sqlalchemy_session, o.regency)
    )
    name = factory.LazyAttribute(lambda o: f"Koperasi Desa Merah Putih {o.village_code}")
    province_code = factory.LazyAttribute(lambda o: o.village_code[:2])
    regency_code = factory.LazyAttribute(lambda o: o.village_code[:5])


class UserFactory(Base):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"Peserta Uji {n}")
    phone = factory.LazyFunction(lambda: f"+62812777{next(_phones):05d}")
    email = None
    password_hash = factory.LazyFunction(password_hash)
    role = Role.PESERTA
    is_active = True

    @classmethod
    def peserta(
        cls, koperasi: Koperasi, jabatan: Jabatan = Jabatan.KETUA, **kwargs: object
    ) -> User:
        return cls(
            koperasi_id=koperasi.id,
            jabatan=jabatan,
            province_code=koperasi.province_code,
            regency_code=koperasi.regency_code,
            **kwargs,
        )

    @classmethod
    def staff(cls, role: Role, region_code: str | None = None, **kwargs: object) -> User:
        kwargs.setdefault("email", f"{role.value}{next(_phones)}@uji.test")
        return cls(
            role=role,
            phone=None,
            region_code=region_code,
            province_code=region_code[:2] if region_code else None,
            regency_code=region_code if region_code and len(region_code) == 5 else None,
            **kwargs,
        )


_cohorts = itertools.count(1)


class CohortFactory(Base):
    """An angkatan of Kab. Tangerang running today and tomorrow (WIB), on the first course."""

    class Meta:
        model = Cohort

    slug = factory.LazyFunction(lambda: f"angkatan-uji-{next(_cohorts)}")
    name = factory.LazyAttribute(lambda o: f"Bimtek KDKMP {o.slug}")
    region_code = KAB_TANGERANG
    province_code = factory.LazyAttribute(lambda o: o.region_code[:2])
    regency_code = factory.LazyAttribute(
        lambda o: o.region_code if len(o.region_code) == 5 else None
    )
    organizer = "Dinas Koperasi dan UKM Kabupaten Tangerang"
    venue = "Hotel Uji, Tigaraksa"
    starts_on = factory.LazyFunction(lambda: _today_wib())
    ends_on = factory.LazyFunction(lambda: _today_wib() + timedelta(days=1))
    timezone = "WIB"
    min_attendance = 75
    officer_name = "Drs. Pejabat Uji, M.Si."
    officer_title = "Kepala Bidang Kelembagaan Koperasi"
    officer_nip = "197001011995031001"

    @factory.post_generation
    def courses(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """CohortFactory(courses=[course_id, ...]); by default the first course in the library."""
        session = CohortFactory._meta.sqlalchemy_session
        ids = extracted
        if ids is None:
            from lms.learning.models import Course

            first = session.scalar(select(Course.id).order_by(Course.id).limit(1))
            ids = [first] if first else []
        session.add_all(CohortCourse(cohort_id=obj.id, course_id=c) for c in ids)
        session.flush()


def _today_wib() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


class CohortSessionFactory(Base):
    """A sesi running now: it began 10 minutes ago and ends in 80 minutes."""

    class Meta:
        model = CohortSession

    cohort_id = factory.LazyAttribute(lambda o: o.cohort.id)
    starts_at = factory.LazyFunction(lambda: datetime.now(UTC) - timedelta(minutes=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=90))
    topic = "Pembukuan dasar koperasi"
    late_after = 15

    class Params:
        cohort = None
