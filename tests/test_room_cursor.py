"""The per-room cursor that a queue repair replays from: it never moves past a missing seq."""

from __future__ import annotations

from blog.live.repair import MAX_AHEAD, RoomCursor


def test_in_order_deliveries_move_the_cursor():
    cursor = RoomCursor(4)
    for seq in (5, 6, 7):
        cursor.delivered(seq)
    assert (cursor.through, cursor.ahead) == (7, set())


def test_a_lost_change_holds_the_cursor_below_it():
    # This process's own post (seq 7) reached its readers; another process's (6) was lost.
    cursor = RoomCursor(5)
    cursor.delivered(7)
    assert (cursor.through, cursor.ahead) == (5, {7})
    cursor.delivered(6)  # the repair re-sends it
    assert (cursor.through, cursor.ahead) == (7, set())


def test_old_and_repeated_seqs_change_nothing():
    cursor = RoomCursor(5)
    for seq in (3, 5, 5):
        cursor.delivered(seq)
    assert (cursor.through, cursor.ahead) == (5, set())


def test_a_gap_nothing_fills_is_given_up_past_the_bound():
    cursor = RoomCursor(0)
    for seq in range(2, MAX_AHEAD + 3):
        cursor.delivered(seq)
    assert (cursor.through, cursor.ahead) == (MAX_AHEAD + 2, set())


def test_skip_to_keeps_only_what_lies_beyond():
    cursor = RoomCursor(1)
    for seq in (3, 9):
        cursor.delivered(seq)
    cursor.skip_to(5)
    assert (cursor.through, cursor.ahead) == (5, {9})
    cursor.skip_to(2)  # never backwards
    assert cursor.through == 5
