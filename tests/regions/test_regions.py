from __future__ import annotations

from sqlalchemy import func, select

from lms.regions.models import LEVEL_DISTRICT, LEVEL_PROVINCE, LEVEL_REGENCY, LEVEL_VILLAGE, Region
from lms.regions.scope import Scope
from lms.regions.services import load_regions, normalise_code, region_label, search_villages


def test_all_kemendagri_regions_are_loaded(db):
    counts = dict(db.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    assert counts == {
        LEVEL_PROVINCE: 38,
        LEVEL_REGENCY: 514,
        LEVEL_DISTRICT: 7285,
        LEVEL_VILLAGE: 83762,
    }


def test_known_checks_from_real_bimtek_reports(db):
    def villages(regency: str) -> int:
        return db.scalar(
            select(func.count()).where(
                Region.regency_code == regency, Region.level == LEVEL_VILLAGE
            )
        )

    assert villages("35.06") == 344  # Kab. Kediri: 343 desa + 1 kelurahan
    assert villages("36.73") == 67  # Kota Serang: 67 kelurahan
    assert villages("36.03") == 274  # Kab. Tangerang
    kalbar = db.scalar(select(func.count()).where(Region.parent_code == "61"))
    assert kalbar == 14


def test_loading_again_adds_nothing(db):
    assert load_regions(db) == 0


def test_search_by_name_with_kecamatan_and_kabupaten(db):
    hits = search_villages(db, "Bojong Cikupa", Scope("national"))
    assert hits[0].label == "Bojong, Cikupa, Kab. Tangerang"
    assert hits[0].code == "36.03.18.2014"
    assert hits[0].province == "Banten"


def test_search_puts_exact_names_first(db):
    hits = search_villages(db, "bojong", Scope("regency", "36.03"))
    assert hits[0].name == "Bojong"
    assert all(h.code.startswith("36.03.") for h in hits)


def test_search_by_code_with_or_without_dots(db):
    for query in ("36.03.18.2014", "3603182014"):
        hits = search_villages(db, query, Scope("national"))
        assert [h.code for h in hits] == ["36.03.18.2014"]


def test_search_is_scoped(db):
    assert search_villages(db, "Bojong Cikupa", Scope("regency", "36.73")) == []
    assert search_villages(db, "Bojong Cikupa", Scope("province", "36"))
    assert search_villages(db, "Bojong", Scope("none")) == []


def test_short_queries_and_wildcards_find_nothing_surprising(db):
    assert search_villages(db, "b", Scope("national")) == []
    assert search_villages(db, "%%", Scope("national")) == []


def test_normalise_code():
    assert normalise_code("3603182014") == "36.03.18.2014"
    assert normalise_code("36 03") == "36.03"
    assert normalise_code("bojong") is None
    assert normalise_code("12345678901") is None


def test_region_labels(db):
    assert region_label(db, "36.03") == "Kab. Tangerang, Banten"
    assert region_label(db, "36.73") == "Kota Serang, Banten"
    assert region_label(db, "36") == "Banten"
    assert region_label(db, "36.03.18.2014") == "Bojong, Cikupa, Kab. Tangerang"


def test_region_search_page_live_block(client, db):
    from lms.accounts.models import Role
    from tests.conftest import login
    from tests.factories import UserFactory

    login(client, UserFactory.staff(Role.DINAS, "36.03"))
    page = client.get("/wilayah", params={"q": "Bojong Cikupa"})
    assert "Bojong, Cikupa, Kab. Tangerang" in page.text and "<html" in page.text
    part = client.get("/wilayah", params={"q": "Bojong Cikupa"}, headers={"HX-Request": "true"})
    assert "Bojong, Cikupa, Kab. Tangerang" in part.text and "<html" not in part.text
    assert "Daftarkan koperasi di sini" in part.text
