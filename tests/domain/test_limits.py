"""The domain's text limits are the columns' lengths, so SQLite and PostgreSQL agree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.limits import (
    EARLIEST_EPOCH,
    LATEST_EPOCH,
    check_text,
    epoch_problem,
    text_problem,
)
from commandcenter.domain.messages import Channel, check_body
from commandcenter.domain.roster import FIELD_MAX
from commandcenter.domain.timeline import clean_text
from commandcenter.ingest.parsing import MAX_SERIES_NAME
from commandcenter.persistence.metrics_models import MetricSeriesRow
from commandcenter.persistence.models import ContactRow


def test_contact_limits_are_the_contacts_columns() -> None:
    for name, limit in FIELD_MAX.items():
        assert ContactRow.__table__.c[name].type.length == limit, name
    assert MetricSeriesRow.__table__.c["name"].type.length == MAX_SERIES_NAME


def test_the_epoch_bounds_are_years_1_and_10000() -> None:
    assert datetime.fromtimestamp(EARLIEST_EPOCH, UTC) == datetime(1, 1, 1, tzinfo=UTC)
    assert datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp() + 1 == LATEST_EPOCH
    assert epoch_problem(LATEST_EPOCH - 1) is None
    assert epoch_problem(LATEST_EPOCH) == "outside years 1 to 9999"
    assert epoch_problem(float("inf")) == "not finite"


@pytest.mark.parametrize(("value", "problem"), [
    ("a\x00b", "contains a NUL character"), ("x" * 11, "longer than 10 characters (11)"),
    ("caf\udce9", "is not valid UTF-8 text"), ("fine", None)])
def test_text_problems(value: str, problem: str | None) -> None:
    assert text_problem(value, 10) == problem


def test_notes_bodies_and_titles_refuse_what_no_database_stores() -> None:
    with pytest.raises(InvalidInput, match=r"^text: contains a NUL character$"):
        clean_text("a\x00b")
    with pytest.raises(InvalidInput, match=r"^body: is not valid UTF-8 text$"):
        check_body(Channel.BLOG, "caf\udce9")
    with pytest.raises(InvalidInput, match=r"^title: contains a NUL character$"):
        check_body(Channel.BLOG, "fine", "a\x00b")
    assert check_text("ok", "f", 2) == "ok"
