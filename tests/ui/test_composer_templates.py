"""A template never changes the channel; the list and the title field follow the channel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from commandcenter.domain.messages import Channel, MessageState, Purpose
from commandcenter.services.templates import ENV_TEMPLATES_DIR
from tests.ui.conftest import sign_in, wait_idle

LEFT = Qt.MouseButton.LeftButton


def _choose_channel(composer, channel: Channel) -> None:  # type: ignore[no-untyped-def]
    composer.channel_combo.setCurrentIndex(composer.channel_combo.findData(channel))


def _offered(composer) -> list[str]:  # type: ignore[no-untyped-def]
    c = composer.template_combo
    return [c.itemData(i) for i in range(1, c.count())]


def test_templates_follow_the_channel_and_never_change_it(qtbot, window, company):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    c = window.composer
    _choose_channel(c, Channel.X)
    assert not c.title_edit.isVisibleTo(c)  # X has no titles
    assert "holding" in _offered(c)
    c.apply_template("holding")
    assert c.channel is Channel.X and c.purpose is Purpose.HOLDING
    assert c.title_edit.text() == ""
    assert "{" not in c.body_edit.toPlainText()

    _choose_channel(c, Channel.STATUS_PAGE)
    assert c.title_edit.isVisibleTo(c)
    c.apply_template("holding")
    assert c.channel is Channel.STATUS_PAGE
    assert c.title_edit.text() == "Investigating unexpected scores"

    # Back to X: the status page's title is not written into the X message.
    _choose_channel(c, Channel.X)
    assert not c.title_edit.isVisibleTo(c)
    qtbot.mouseClick(c.save_button, LEFT)
    wait_idle(qtbot, window)
    assert c.message.channel is Channel.X and c.message.title is None
    assert company.messages.get(c.message.id).title is None

    assert not c.channel_combo.isEnabled()  # a saved message keeps its channel


def test_the_list_shows_only_the_chosen_channels_templates(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    c = window.composer
    _choose_channel(c, Channel.BLOG)
    assert _offered(c) == ["explanation", "advance_notice"]
    _choose_channel(c, Channel.DIRECT_REPLY)
    assert _offered(c) == ["acknowledgement"]
    _choose_channel(c, Channel.INTERNAL)
    assert _offered(c) == [] and "No template" in c.template_combo.itemText(0)


def test_facts_to_fill_hold_back_the_submission(qtbot, window, company):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Tom Becker")
    c = window.composer
    _choose_channel(c, Channel.STATUS_PAGE)
    c.apply_template("update")
    assert not c.submit_button.isEnabled()
    assert "{affected_share}" in c.facts_label.text()
    assert "{affected_share}" in c.submit_button.toolTip()
    body = c.body_edit.toPlainText()
    for fact, value in (("{confirmed}", "a faulty batch lowered scores"),
                        ("{affected_share}", "40%"), ("{action}", "restoring them")):
        body = body.replace(fact, value)
    c.body_edit.setPlainText(body)
    assert c.submit_button.isEnabled() and not c.facts_label.isVisibleTo(c)
    qtbot.mouseClick(c.submit_button, LEFT)
    wait_idle(qtbot, window)
    assert c.message.state is MessageState.IN_REVIEW
    assert c.message.title == "Update on lower scores"


def test_the_window_does_not_start_on_a_bad_template(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.services import templates
    from commandcenter.ui.app import run_gui

    bad = tmp_path / "holding.toml"
    bad.write_text('label = "L"\npurpose = "holding"\n[x]\ntitle = "T"\n'
                   'body = "a"\n', encoding="utf-8")
    monkeypatch.setenv(ENV_TEMPLATES_DIR, str(tmp_path))
    templates.shipped_templates.cache_clear()
    try:
        assert run_gui(None) == 2  # type: ignore[arg-type]
    finally:
        templates.shipped_templates.cache_clear()
    assert f"error: {bad}: x.title: the x channel has no titles" in capsys.readouterr().err
