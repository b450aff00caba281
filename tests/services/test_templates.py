"""Template files: the shipped set reads as crisis practice; a mistake names file and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from commandcenter.domain.compose import TITLED_CHANNELS, checklist, fill, templates_for, unfilled
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.messages import Channel, Purpose
from commandcenter.services.templates import (
    ENV_TEMPLATES_DIR,
    default_templates_dir,
    load_templates,
)

SHIPPED = {"holding", "acknowledgement", "update", "explanation", "resolution",
           "advance_notice"}


def test_the_shipped_templates_cover_every_purpose_and_the_checklist() -> None:
    templates = load_templates()
    assert {t.key for t in templates} == SHIPPED
    assert next(t for t in templates if t.key == "holding").purpose is Purpose.HOLDING
    for t in templates:
        for text in t.texts:
            if text.title:
                assert text.channel in TITLED_CHANNELS
            body = fill(text.body, {n: f"<{n}>" for n in unfilled(text.body)})
            assert all(item.satisfied for item in checklist(body)), (t.key, text.channel)


def test_templates_assert_nothing_unconfirmed() -> None:
    """No cause, no reassurance nobody has checked: facts are asked for as placeholders."""
    unconfirmed = re.compile(r"data is safe|score is safe|not an algorithm change|our fault"
                             r"|glitch|hack", re.I)
    for t in load_templates():
        for text in t.texts:
            assert not unconfirmed.search(text.body), (t.key, text.channel)
    update = next(t for t in load_templates() if t.key == "update")
    status = update.for_channel(Channel.STATUS_PAGE)
    assert status is not None and "{affected_share}" in status.body
    assert "{next_update}" in status.body


def test_the_list_for_a_channel_holds_only_its_templates() -> None:
    templates = load_templates()
    blog = [t.key for t in templates_for(templates, Channel.BLOG)]
    assert blog == ["explanation", "advance_notice"]
    assert next(t.key for t in templates_for(templates, Channel.X)) == "holding"
    assert templates_for(templates, Channel.INTERNAL) == []


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = ('label = "Hi"\npurpose = "holding"\n[x]\n'
        'body = "We know. Sorry. Next update by {next_update}."\n')


@pytest.mark.parametrize(("text", "field"), [
    ('purpose = "holding"\n[x]\nbody = "a"\n', "label"),
    ('label = "L"\npurpose = "gossip"\n[x]\nbody = "a"\n', "purpose"),
    ('label = "L"\npurpose = "holding"\n[x]\ntitle = "T"\nbody = "a"\n', "x.title"),
    ('label = "L"\npurpose = "holding"\n[x]\nbody = ""\n', "x.body"),
    ('label = "L"\npurpose = "holding"\n[x]\nbody = "' + "a" * 300 + '"\n', "x.body"),
    ('label = "L"\npurpose = "holding"\n[x]\nbody = "by {next update"\n', "x.body"),
    ('label = "L"\npurpose = "holding"\n[x]\nbdy = "a"\n', "x.bdy"),
    ('label = "L"\npurpose = "holding"\n[tiktok]\nbody = "a"\n', "tiktok"),
    ('label = "L"\npurpose = "holding"\n', "channels"),
])
def test_a_mistake_names_the_file_and_the_field(tmp_path: Path, text: str, field: str) -> None:
    _write(tmp_path, "good.toml", GOOD)
    bad = _write(tmp_path, "team_note.toml", text)
    with pytest.raises(InvalidInput) as err:
        load_templates(tmp_path)
    assert str(err.value).startswith(f"{bad}: {field}: "), str(err.value)


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    bad = _write(tmp_path, "broken.toml", 'label = "L\npurpose = "holding"\n')
    with pytest.raises(InvalidInput, match=re.escape(str(bad)) + r".*line 1"):
        load_templates(tmp_path)


def test_a_team_folder_replaces_the_shipped_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _write(tmp_path, "ours.toml", GOOD)
    monkeypatch.setenv(ENV_TEMPLATES_DIR, str(tmp_path))
    assert default_templates_dir() == tmp_path
    assert [t.key for t in load_templates()] == ["ours"]
