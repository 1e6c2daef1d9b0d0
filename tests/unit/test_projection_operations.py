"""Pure parts of `post-service projections …`: when a part counts as stalled, how a live index
is copied onto a shadow table, and what the progress lines say."""

import io
import logging

import pytest

from post_service.progress_display import ProgressDisplay
from read_side.operations.copies import Copies, _Index
from read_side.operations.status import _stalled


@pytest.mark.parametrize(
    ("behind", "waiting", "idle", "stalled"),
    [
        (0, None, 3600.0, False),  # nothing to do: idle is fine
        (5, 10.0, 3600.0, False),  # work came in just now after a quiet hour
        (5, 3600.0, 1.0, False),  # far behind, but moving
        (5, 120.0, 120.0, True),  # work waiting, and no progress for as long
        (5, None, None, True),  # never moved, and can't show it is moving
    ],
)
def test_a_part_is_stalled_when_work_waits_and_it_does_not_move(behind, waiting, idle, stalled):
    assert _stalled(behind, waiting, idle, after=60) is stalled


def test_a_shadow_index_is_the_live_one_under_its_shadow_name():
    partial = _Index(
        "post_view_listed_created_idx",
        "CREATE INDEX post_view_listed_created_idx ON public.post_view USING btree"
        " (created_at DESC, post_id DESC) WHERE ((status = 'PUBLISHED'::text))",
        None,
    )
    ddl = Copies("_rebuild")._index_ddl("post_view", partial, concurrently=True)
    assert ddl == (
        'CREATE INDEX CONCURRENTLY "post_view_listed_created_idx_rebuild" ON "post_view_rebuild"'
        " USING btree (created_at DESC, post_id DESC) WHERE ((status = 'PUBLISHED'::text))"
    )
    key = _Index(
        "tag_stats_pkey",
        "CREATE UNIQUE INDEX tag_stats_pkey ON public.tag_stats USING btree (tag)",
        "p",
    )
    assert (
        Copies("_v")
        ._index_ddl("tag_stats", key, concurrently=False)
        .startswith('CREATE UNIQUE INDEX "tag_stats_pkey_v" ON "tag_stats_v"')
    )


def test_without_a_terminal_progress_is_plain_log_lines(caplog):
    display = ProgressDisplay("rebuild", stream=io.StringIO(), log_every_s=0)
    with caplog.at_level(logging.INFO, logger="post_service.progress"):
        display.grow(1_000)
        display.advance(250)
        display.note("building indexes")
    assert "rebuild: 250/1,000 events" in caplog.messages[0]
    assert "events/s" in caplog.messages[0]
    assert "ETA" in caplog.messages[0]
    assert caplog.messages[1] == "rebuild: building indexes"


def test_on_a_terminal_progress_is_a_bar_redrawn_in_place():
    stream = io.StringIO()
    stream.isatty = lambda: True  # type: ignore[method-assign]
    display = ProgressDisplay("rebuild", stream=stream)
    display.grow(100)
    display.advance(100)
    display.close()
    assert stream.getvalue().startswith("\rrebuild [" + "#" * 30 + "] 100/100 events")
    assert stream.getvalue().endswith("\n")
