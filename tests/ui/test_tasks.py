"""The worker's results reach the GUI thread one callback per event-loop turn, in order
(or, in a burst, as they arrive)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from commandcenter.ui.tasks import TaskManager


def test_results_ready_together_are_handed_out_one_per_turn_in_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    tasks = TaskManager()
    try:
        got: list[int] = []
        for i in range(4):
            tasks.run(lambda i=i: i, got.append)
        tasks._executor.submit(lambda: None).result()  # all four done: four results queued
        QCoreApplication.sendPostedEvents()  # what Qt runs before it paints or ticks again
        assert got == [0]
        assert not tasks.idle()
        qtbot.waitUntil(tasks.idle)
        assert got == [0, 1, 2, 3]
        tasks.run(lambda: 9, got.append)  # nothing waiting: delivered in its own turn
        qtbot.waitUntil(tasks.idle)
        assert got[-1] == 9
    finally:
        tasks.shutdown()


def test_in_a_burst_results_are_handed_out_as_they_arrive(qtbot) -> None:  # type: ignore[no-untyped-def]
    # A window before its first screen: no turn between one read's callback and the next.
    tasks = TaskManager()
    try:
        got: list[int] = []
        tasks.burst = True
        for i in range(4):
            tasks.run(lambda i=i: i, got.append)
        tasks._executor.submit(lambda: None).result()
        QCoreApplication.sendPostedEvents()
        assert got == [0, 1, 2, 3] and tasks.idle()
        tasks.burst = False  # paced again
        for i in range(4, 6):
            tasks.run(lambda i=i: i, got.append)
        tasks._executor.submit(lambda: None).result()
        QCoreApplication.sendPostedEvents()
        assert got == [0, 1, 2, 3, 4]
        qtbot.waitUntil(tasks.idle)
    finally:
        tasks.shutdown()


def test_a_failure_waits_its_turn_like_a_result(qtbot) -> None:  # type: ignore[no-untyped-def]
    tasks = TaskManager()
    try:
        seen: list[object] = []

        def boom() -> None:
            raise ValueError("refused")

        tasks.run(lambda: 1, seen.append)
        tasks.run(boom, seen.append, lambda exc: seen.append(str(exc)))
        tasks.run(lambda: 3, seen.append)
        tasks._executor.submit(lambda: None).result()
        QCoreApplication.sendPostedEvents()
        assert seen == [1]
        qtbot.waitUntil(tasks.idle)
        assert seen == [1, "refused", 3]
    finally:
        tasks.shutdown()


def test_shut_down_with_results_waiting_is_idle_and_their_work_is_done(qtbot) -> None:  # type: ignore[no-untyped-def]
    # The window closed (and was deleted) while results waited for their turns: whoever
    # waits for the window to go idle must not wait for callbacks that can never run.
    tasks = TaskManager()
    done: list[int] = []
    for i in range(3):
        tasks.run(lambda i=i: done.append(i) or i, lambda _r: None)
    tasks._executor.submit(lambda: None).result()
    QCoreApplication.sendPostedEvents()  # the first result delivered, the others waiting
    assert not tasks.idle()
    tasks.shutdown()
    assert tasks.idle()
    assert done == [0, 1, 2]  # every task's work ran, in order
    tasks.run(lambda: done.append(9), None)  # nothing new starts once shut down
    assert tasks.idle() and done == [0, 1, 2]
