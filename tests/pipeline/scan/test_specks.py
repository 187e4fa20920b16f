"""Toner specks are told from punctuation by where they stand (pipeline/scan/specks.py)."""

from __future__ import annotations

import numpy as np

from pipeline.scan.specks import specks

EM = 26  # px: a line of text


def page() -> np.ndarray:
    ink = np.zeros((200, 400), np.uint8)
    ink[50:76, 100:126] = 255  # a character
    ink[50:76, 130:156] = 255  # and the next
    return ink


def test_a_lone_dot_is_a_speck_and_a_full_stop_is_not() -> None:
    ink = page()
    ink[150:153, 300:303] = 255  # far from any text: a speck
    ink[72:76, 160:164] = 255  # just after the last character: a full stop
    found = specks(ink, EM)
    assert found[150:153, 300:303].all()
    assert not found[72:76, 160:164].any()
    assert not found[50:76, 100:156].any()


def test_a_dash_alone_in_a_cell_stays() -> None:
    ink = page()
    ink[150:154, 300:306] = 255  # a short dash (6 × 4 px), far from text
    assert not specks(ink, EM).any()


def test_punctuation_opening_a_wrapped_line_stays() -> None:
    ink = page()
    ink[68:76, 80:84] = 255  # a comma (taller than wide) half an em before the line
    ink[58:61, 70:73] = 255  # a colon's two dots
    ink[70:73, 70:73] = 255
    ink[58:61, 40:43] = 255  # a round dot with no partner: a speck
    found = specks(ink, EM)
    assert not found[68:76, 80:84].any()
    assert not found[58:73, 70:73].any()
    assert found[58:61, 40:43].all()


def test_a_square_comma_on_the_line_foot_half_an_em_away_stays() -> None:
    """At 150 dpi a full-width comma is a square blob, half an em from either neighbour."""
    ink = page()
    ink[72:76, 169:173] = 255  # on the foot, 13 px (half an em) after the last character
    ink[50:76, 186:212] = 255  # and the line goes on after it
    ink[40:44, 169:173] = 255  # the same blob above the line's middle: a speck
    found = specks(ink, EM)
    assert not found[72:76, 169:173].any()
    assert found[40:44, 169:173].all()


def test_an_enumeration_comma_in_its_em_box_stays() -> None:
    """、 at 150 dpi: a 3 px blob on the line's foot at the left of a whole em box, the next
    character over 0.8 em on (及时、足额: it was dropped as a speck, the model never saw it)."""
    ink = page()
    ink[50:76, 192:218] = 255  # the character after the 、's box
    ink[73:76, 166:169] = 255  # 、 : 10 px after the last ink, the next 23 px (0.9 em) on
    assert not specks(ink, EM)[73:76, 166:169].any()


def test_a_square_comma_opening_a_wrapped_line_stays() -> None:
    """Seed 18's sys-landscape-cell-rects (150 dpi): …提升服务水平 fills a line and its ， opens the
    next, a square blob on the foot with nothing before it, the line's first character 0.7 em on
    (seed 15's rl-landscape-rotate90: a blob before a value, .85, has no line above it).
    The same blob 0.9 em before the line (past the reach of a line's marks), or above its foot,
    is a speck."""
    ink = page()
    ink[16:42, 76:300] = 255  # the line above, which the sentence filled
    ink[72:76, 78:82] = 255  # 18 px (0.7 em) before the first character, on the foot
    found = specks(ink, EM)
    assert not found[72:76, 78:82].any()
    for y, x in ((72, 73), (60, 78)):
        ink = page()
        ink[16:42, 76:300] = 255
        ink[y : y + 4, x : x + 4] = 255
        assert specks(ink, EM)[y : y + 4, x : x + 4].all(), (y, x)
    ink = page()  # no line above: a value's cell (.100), the blob a speck
    ink[72:76, 78:82] = 255
    assert specks(ink, EM)[72:76, 78:82].all()


def test_a_blob_before_a_rule_is_no_line_opening_mark() -> None:
    """Seed 15's var-long-goal-cut: a speck on the foot after a unit name (…局本级) with the next
    column's text across the rule from it is no comma opening that text's line."""
    ink = page()
    ink[16:42, 76:300] = 255
    ink[72:76, 78:82] = 255
    rules = np.zeros_like(ink)
    rules[:, 88:92] = 255  # a column's rule between the blob and the line
    assert specks(ink, EM, rules=rules)[72:76, 78:82].all()
    assert not specks(ink, EM, rules=np.zeros_like(ink))[72:76, 78:82].any()


def test_a_blob_under_a_rows_rule_opens_no_wrapped_line() -> None:
    """Seed 15's rl-landscape-rotate90: a speck before a weight (.3) whose cell is one line; the
    value above it stands in the row above, across the row's rule."""
    ink = page()
    ink[16:42, 76:300] = 255
    ink[72:76, 78:82] = 255
    rules = np.zeros_like(ink)
    rules[45:47, :] = 255  # the row's rule between the two lines
    assert specks(ink, EM, rules=rules)[72:76, 78:82].all()


def test_a_square_comma_closing_a_wrapping_line_stays() -> None:
    """Seed 20's writer-landscape-long-project (200 dpi, bitonal): …得到保障， ends a line the goal
    goes on from; nothing after the comma, the next line under it. After a cell's last line (no
    line below), or with a row's rule under it, the blob is a speck."""
    ink = page()
    ink[72:76, 169:173] = 255  # half an em after the last character, on the foot
    ink[86:112, 20:160] = 255  # the next line
    assert not specks(ink, EM)[72:76, 169:173].any()
    rules = np.zeros_like(ink)
    rules[80:82, :] = 255
    assert specks(ink, EM, rules=rules)[72:76, 169:173].all()
    ink = page()
    ink[72:76, 169:173] = 255
    assert specks(ink, EM)[72:76, 169:173].all()


def test_a_comma_after_a_character_low_on_its_right_closing_a_wrapping_line_stays() -> None:
    """Seed 24's midterm-shared-portrait-2022 (150 dpi): …5次以上， ends a line the goal goes on
    from. 上's strokes nearest the comma stay low (its short bar, its foot), so the ink that rises
    above the comma is looked for over the whole character before it, not half an em."""
    ink = np.zeros((200, 400), np.uint8)
    ink[50:76, 100:126] = 255  # a character
    ink[50:76, 130:134] = 255  # 上: its stroke up the left side …
    ink[62:65, 134:150] = 255  # … its short bar on the right, at mid-height
    ink[73:76, 130:156] = 255  # … and its foot
    ink[72:76, 166:169] = 255  # the comma, on the foot, clear of 上 by more than a speck's reach
    ink[86:112, 20:170] = 255  # the next line
    assert not specks(ink, EM)[72:76, 166:169].any()


def test_a_comma_centred_in_its_em_box_between_two_characters_stays() -> None:
    """Seed 46's var-long-goal-cut (200-dpi bitonal): 工作，年度 with the comma in the middle of its
    em box, 0.85 em of paper to the stroke before it on its rows and the next character's
    bars above them: read 工作年度 and the goal lost a comma on 31 rows. A comma-shaped mark
    with ink on one side only stays a speck."""
    ink = np.zeros((200, 400), np.uint8)
    ink[50:76, 100:102] = 255  # 作's last upright stroke
    ink[50:76, 90:92] = 255
    ink[70:76, 124:127] = 255  # the comma (3 × 6), 22 px clear of the stroke
    ink[50:66, 140:166] = 255  # 年: its bars end above the comma's rows …
    ink[50:76, 152:154] = 255  # … its upright, 25 px on, runs down to the foot
    ink[150:156, 300:303] = 255  # the same shape far from text: a speck
    ink[70:76, 200:203] = 255  # with ink before it only (past its line's end): a speck
    found = specks(ink, EM)
    assert not found[70:76, 124:127].any()
    assert found[150:156, 300:303].all()
    assert found[70:76, 200:203].all()
