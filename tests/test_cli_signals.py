"""A signal that ends a command keeps its exit code, whatever library code it passes through."""

from __future__ import annotations

import os
import signal
import time

import pytest
from reportlab.lib.utils import annotateException

from harmonize_evidence.cli import Terminated, _unwinding_on_termination


@pytest.mark.parametrize(("name", "code"), [("SIGHUP", 129), ("SIGTERM", 143)])
def test_a_signal_re_raised_by_the_report_library_keeps_its_exit_code(name: str, code: int) -> None:
    with pytest.raises(Terminated) as caught, _unwinding_on_termination():
        try:
            os.kill(os.getpid(), getattr(signal, name))
            time.sleep(5)  # the handler raises before this ends
        except BaseException:
            # What reportlab's paragraph parser does with any exception: a new one of the same
            # class, built from a message instead of the signal's number.
            annotateException("\nparagraph text '<para>x</para>' caused exception")
    assert caught.value.exit_code == code


class _Finalised:
    """An object whose finaliser is where the signal arrives."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        total = 0
        for number in range(10_000):  # the handler runs here, inside the finaliser
            total += number


def test_a_signal_that_arrives_in_a_finaliser_still_unwinds_the_command() -> None:
    # Raised inside a finaliser (or the callback that drops an import's module lock), the
    # signal's exception would be printed as "ignored" with a traceback, and the command would
    # go on as if no signal had come. It is taken again once the finaliser has returned.
    began = time.monotonic()
    with pytest.raises(Terminated) as caught, _unwinding_on_termination():
        _Finalised()  # dropped at once: its finaliser runs now
        time.sleep(5)  # the handler raises before this ends
    assert caught.value.exit_code == 143
    assert time.monotonic() - began < 4
