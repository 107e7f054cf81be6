"""The dinas dashboard: facts kept true, readiness, filters, scoping of every page, flat cost."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import Jabatan, Role, User
from lms.cohorts import services as cohort_services
from lms.cohorts.models import Attendance, Cohort, CohortMember, CohortSession
from lms.regions.models import Koperasi
from lms.regions.scope import Scope
from lms.reports import services
from lms.reports.models import PersonFact, ReportStale
from lms.reports.services import Filters
from tests.conftest import login
from tests.factories import (
    KAB_TANGERANG,
    KOTA_SERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)

NATIONAL = Scope("national")


def hall(
    db: Session,
    people: list[tuple[User, int]],
    *,
    regency: str = KAB_TANGERANG,
    sessions: int = 2,
    starts_on: date | None = None,
) -> Cohort:
    """An angkatan with these members, each present at the given number of its sessions.
    Rule: attendance ≥ 75 %, no quiz, no modules, so coming to every sesi completes it."""
    extra = {"starts_on": starts_on, "ends_on": starts_on} if starts_on else {}
    cohort = CohortFactory(region_code=regency, min_quiz_score=None, require_modules=False, **extra)
    rows = [CohortSessionFactory(cohort=cohort) for _ in range(sessions)]
    for user, present in people:
        db.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
        for sesi in rows[:present]:
            db.add(Attendance(session_id=sesi.id, user_id=user.id, status="hadir", method="daftar"))
    db.flush()
    services.refresh(db, [cohort.id])
    return cohort


def officials(db: Session, regency: str = KAB_TANGERANG) -> tuple[Koperasi, User, User]:
    koperasi = KoperasiFactory(regency=regency)
    return (
        koperasi,
        UserFactory.peserta(koperasi, Jabatan.KETUA),
        UserFactory.peserta(koperasi, Jabatan.BENDAHARA),
    )


def ready_of(db: Session, koperasi: Koperasi, filters: Filters | None = None) -> services.Ready:
    return services.region_readiness(db, NATIONAL, koperasi.village_code, filters or Filters())


# -- readiness -----------------------------------------------------------------------------------


def test_a_koperasi_is_ready_when_both_ketua_and_bendahara_complete(db: Session) -> None:
    both, k1, b1 = officials(db)
    only_ketua, k2, b2 = officials(db)
    hall(db, [(k1, 2), (b1, 2), (k2, 2), (b2, 1)])

    assert ready_of(db, both).ready == 1
    assert (ready_of(db, only_ketua).ketua, ready_of(db, only_ketua).ready) == (1, 0)
    regency = services.region_readiness(db, NATIONAL, KAB_TANGERANG, Filters())
    assert (regency.ketua, regency.bendahara, regency.ready) >= (2, 1, 1)
    district = both.village_code[:8]
    assert services.region_readiness(db, NATIONAL, district, Filters()).ready >= 1


def test_readiness_counts_across_angkatan_but_not_within_one(db: Session) -> None:
    koperasi, ketua, bendahara = officials(db)
    first = hall(db, [(ketua, 2)], starts_on=date(2025, 10, 1))
    second = hall(db, [(bendahara, 2)], starts_on=date(2026, 3, 1))

    assert ready_of(db, koperasi).ready == 1
    assert ready_of(db, koperasi, Filters(cohort_id=first.id)).ready == 0
    assert ready_of(db, koperasi, Filters(cohort_id=first.id)).ketua == 1
    assert ready_of(db, koperasi, Filters(year=2025)).ready == 0
    assert ready_of(db, koperasi, Filters(year=2026)).bendahara == 1
    # The koperasi is still counted (as not ready) under a year it took no part in.
    assert ready_of(db, koperasi, Filters(year=2024)).koperasi == 1
    assert second.id != first.id


def test_readiness_follows_a_course_filter(db: Session) -> None:
    from lms.learning.models import Course

    course_ids = list(db.scalars(select(Course.id).order_by(Course.id)))
    assert len(course_ids) >= 2
    koperasi, ketua, bendahara = officials(db)
    cohort = hall(db, [(ketua, 2), (bendahara, 2)])
    taught = cohort_services.course_ids_of(db, cohort.id)
    other = next(c for c in course_ids if c not in taught)
    assert ready_of(db, koperasi, Filters(course_id=taught[0])).ready == 1
    assert ready_of(db, koperasi, Filters(course_id=other)).ready == 0


# -- facts follow the writes ---------------------------------------------------------------------


def test_a_roll_call_marks_the_angkatan_stale_and_the_next_view_counts_it(
    db: Session, client, app
) -> None:  # type: ignore[no-untyped-def]
    koperasi, ketua, bendahara = officials(db)
    cohort = hall(db, [(ketua, 2), (bendahara, 1)])
    assert ready_of(db, koperasi).ready == 0
    last = db.scalars(
        select(CohortSession)
        .where(CohortSession.cohort_id == cohort.id)
        .order_by(CohortSession.id.desc())
    ).first()
    operator = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    cohort_services.mark(db, last, cohort, bendahara.id, status="hadir", note=None, actor=operator)
    assert db.scalar(select(func.count()).select_from(ReportStale)) >= 1

    login(client, operator)
    page = client.get(f"/laporan/koperasi/{koperasi.id}")
    assert page.status_code == 200
    assert ready_of(db, koperasi).ready == 1
    assert db.scalar(select(func.count()).select_from(ReportStale)) == 0
    assert "Siap" in page.text


def test_region_totals_are_the_sum_of_their_children_and_the_rest(db: Session) -> None:
    people = []
    for _ in range(3):
        _k, ketua, bendahara = officials(db)
        people += [(ketua, 2), (bendahara, 1)]
    loose = UserFactory(jabatan=Jabatan.ANGGOTA, province_code="36", regency_code=KAB_TANGERANG)
    people.append((loose, 2))
    hall(db, people)

    report = services.region_report(db, NATIONAL, KAB_TANGERANG, Filters())
    assert report is not None
    summed = sum(r.metrics.participants for r in report.rows)
    assert report.other is not None and report.other.participants >= 1
    assert summed + report.other.participants == report.totals.participants
    assert report.totals.completed == sum(r.metrics.completed for r in report.rows) + (
        report.other.completed
    )
    province = services.region_report(db, NATIONAL, "36", Filters())
    assert province is not None
    tangerang = next(r for r in province.rows if r.code == KAB_TANGERANG)
    assert tangerang.metrics.participants == report.totals.participants


def test_filters_by_jabatan_and_year(db: Session) -> None:
    _k, ketua, bendahara = officials(db)
    hall(db, [(ketua, 2), (bendahara, 2)], starts_on=date(2025, 5, 5))
    _k2, ketua2, _b2 = officials(db)
    hall(db, [(ketua2, 2)], starts_on=date(2026, 5, 5))

    def total(filters: Filters) -> int:
        return services.region_metrics(db, NATIONAL, KAB_TANGERANG, filters).participants

    everyone = total(Filters())
    assert total(Filters(jabatan="ketua")) == total(Filters(jabatan="ketua", year=2025)) + total(
        Filters(jabatan="ketua", year=2026)
    )
    assert total(Filters(jabatan="bendahara", year=2026)) == 0
    assert (
        total(Filters(jabatan="ketua"))
        + total(Filters(jabatan="bendahara"))
        + total(Filters(jabatan="lainnya"))
        == everyone
    )
    assert 2026 in services.year_choices(db, NATIONAL, KAB_TANGERANG)


def test_bad_filter_values_are_refused_with_a_message() -> None:
    with pytest.raises(services.FilterError, match="tahun"):
        services.parse_filters({"tahun": "dua ribu"})
    with pytest.raises(services.FilterError, match="jabatan"):
        services.parse_filters({"jabatan": "raja"})
    assert services.parse_filters({"tahun": "2026", "jabatan": ""}) == Filters(year=2026)


def test_rebuild_gives_the_same_figures_as_the_incremental_refresh(db: Session) -> None:
    for _ in range(2):
        _k, ketua, bendahara = officials(db)
        hall(db, [(ketua, 2), (bendahara, 1)])
    _k, ketua, bendahara = officials(db, KOTA_SERANG)
    hall(db, [(ketua, 2), (bendahara, 2)], regency=KOTA_SERANG)
    before = services.region_report(db, NATIONAL, "36", Filters())
    services.rebuild(db)
    after = services.region_report(db, NATIONAL, "36", Filters())
    assert before is not None and after is not None
    assert [(r.code, r.metrics, r.ready) for r in before.rows] == [
        (r.code, r.metrics, r.ready) for r in after.rows
    ]


# -- pages and their scope -----------------------------------------------------------------------


@pytest.fixture
def two_regions(db: Session) -> dict[str, object]:
    tangerang, t_ketua, t_bendahara = officials(db)
    serang, s_ketua, s_bendahara = officials(db, KOTA_SERANG)
    hall(db, [(t_ketua, 2), (t_bendahara, 2)])
    hall(db, [(s_ketua, 2), (s_bendahara, 1)], regency=KOTA_SERANG)
    return {
        "tangerang": tangerang,
        "serang": serang,
        "t_person": t_ketua,
        "s_person": s_ketua,
    }


def test_a_kabupaten_dinas_sees_its_kabupaten_only(client, db: Session, two_regions) -> None:  # type: ignore[no-untyped-def]
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    home = client.get("/laporan", follow_redirects=False)
    assert (
        home.status_code == 303 and home.headers["location"] == f"/laporan/wilayah/{KAB_TANGERANG}"
    )
    page = client.get(f"/laporan/wilayah/{KAB_TANGERANG}")
    assert page.status_code == 200
    assert "Kota Serang" not in page.text
    serang, s_person = two_regions["serang"], two_regions["s_person"]
    for url in (
        f"/laporan/wilayah/{KOTA_SERANG}",
        "/laporan/wilayah/36",
        f"/laporan/wilayah/{serang.village_code[:8]}",
        f"/laporan/koperasi/{serang.id}",
        f"/laporan/peserta/{s_person.id}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/laporan/koperasi/{two_regions['tangerang'].id}").status_code == 200
    assert client.get(f"/laporan/peserta/{two_regions['t_person'].id}").status_code == 200


def test_a_province_dinas_sees_all_its_kabupaten_and_not_the_country(
    client, db: Session, two_regions
) -> None:  # type: ignore[no-untyped-def]
    login(client, UserFactory.staff(Role.DINAS, "36"))
    page = client.get("/laporan/wilayah/36")
    assert page.status_code == 200
    assert "Kota Serang" in page.text and "Kabupaten Tangerang" in page.text
    assert 'href="/laporan/token"' in page.text  # its own keys, from its own region's page
    assert client.get(f"/laporan/koperasi/{two_regions['serang'].id}").status_code == 200
    assert client.get("/laporan/wilayah/32").status_code == 404
    assert (
        client.get("/laporan", follow_redirects=False).headers["location"] == "/laporan/wilayah/36"
    )


def test_the_national_admin_sees_every_province(client, db: Session, two_regions) -> None:  # type: ignore[no-untyped-def]
    login(client, UserFactory.staff(Role.ADMIN))
    page = client.get("/laporan")
    assert page.status_code == 200
    assert "Banten" in page.text and "Papua" in page.text and "Aceh" in page.text


def test_participants_and_narasumber_have_no_dashboard(client, db: Session, two_regions) -> None:  # type: ignore[no-untyped-def]
    login(client, two_regions["t_person"])
    assert client.get("/laporan").status_code == 403
    assert client.get(f"/laporan/wilayah/{KAB_TANGERANG}").status_code == 403


def test_a_bad_filter_shows_a_message_and_the_page(client, db: Session, two_regions) -> None:  # type: ignore[no-untyped-def]
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    page = client.get(f"/laporan/wilayah/{KAB_TANGERANG}?tahun=abc")
    assert page.status_code == 200
    assert "Filter tahun tidak dikenal" in page.text


def test_region_page_query_count_does_not_grow_with_people_or_regions(
    client, db: Session, count_queries
) -> None:  # type: ignore[no-untyped-def]
    operator = UserFactory.staff(Role.DINAS, "36")
    login(client, operator)
    _k, ketua, bendahara = officials(db)
    hall(db, [(ketua, 2), (bendahara, 1)])
    url = f"/laporan/wilayah/36?angkatan={db.scalar(select(Cohort.id).order_by(Cohort.id.desc()))}"
    client.get(url)
    count_queries.statements.clear()
    assert client.get(url).status_code == 200
    few = count_queries.count
    people = []
    for regency in (KAB_TANGERANG, KOTA_SERANG):
        for _ in range(4):
            _k, ketua, bendahara = officials(db, regency)
            people += [(ketua, 2), (bendahara, 2)]
    hall(db, people)
    client.get(url)
    count_queries.statements.clear()
    assert client.get(url).status_code == 200
    assert count_queries.count == few, count_queries.statements


def test_koperasi_and_person_pages_query_count_is_fixed(client, db: Session, count_queries) -> None:  # type: ignore[no-untyped-def]
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    koperasi, ketua, bendahara = officials(db)
    hall(db, [(ketua, 2), (bendahara, 1)])
    client.get(f"/laporan/koperasi/{koperasi.id}")
    count_queries.statements.clear()
    client.get(f"/laporan/koperasi/{koperasi.id}")
    client.get(f"/laporan/peserta/{ketua.id}")
    few = count_queries.count
    for _ in range(3):
        db.add(UserFactory.peserta(koperasi, Jabatan.SEKRETARIS))
    more = [u for u in db.scalars(select(User).where(User.koperasi_id == koperasi.id))]
    hall(db, [(u, 2) for u in more])
    client.get(f"/laporan/koperasi/{koperasi.id}")
    count_queries.statements.clear()
    client.get(f"/laporan/koperasi/{koperasi.id}")
    client.get(f"/laporan/peserta/{ketua.id}")
    assert count_queries.count == few, count_queries.statements
    assert (
        db.scalar(
            select(func.count()).select_from(PersonFact).where(PersonFact.user_id == ketua.id)
        )
        == 2
    )


def test_anonymising_a_person_keeps_every_figure(db: Session) -> None:
    from lms.accounts.privacy import anonymise

    koperasi, ketua, bendahara = officials(db)
    _k2, other, _b2 = officials(db)
    cohort = hall(db, [(ketua, 2), (bendahara, 2), (other, 1)])

    def figures() -> tuple[object, ...]:
        province = services.region_report(db, NATIONAL, "36", Filters())
        regency = services.region_report(db, NATIONAL, KAB_TANGERANG, Filters())
        assert province is not None and regency is not None
        return (
            province.totals,
            province.ready,
            [(r.code, r.metrics, r.ready) for r in regency.rows],
            ready_of(db, koperasi),
            ready_of(db, koperasi, Filters(cohort_id=cohort.id)),
        )

    before = figures()
    assert before[3] == services.Ready(1, 1, 1, 1, 1)
    admin, name = UserFactory.staff(Role.ADMIN), ketua.name
    anonymise(db, ketua, admin, "Permintaan penghapusan data oleh yang bersangkutan", None)
    db.flush()
    services.refresh(db, [cohort.id])  # what the next view does with the marks
    assert figures() == before
    services.rebuild(db)
    assert figures() == before
    assert name not in {row.name for row in services.people(db, NATIONAL, Filters())}


def test_every_link_on_the_koperasi_and_person_pages_leads_somewhere(
    client, db: Session, two_regions
) -> None:  # type: ignore[no-untyped-def]
    import re

    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    for url in (
        f"/laporan/koperasi/{two_regions['tangerang'].id}",
        f"/laporan/peserta/{two_regions['t_person'].id}",
    ):
        page = client.get(url)
        links = set(re.findall(r'href="(/laporan[^"#]*)"', page.text))
        assert any("/laporan/wilayah/" in link for link in links), links
        for link in links:
            assert client.get(link.replace("&amp;", "&")).status_code in (200, 303), link
