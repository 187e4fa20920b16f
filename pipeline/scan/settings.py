"""Every tolerance of the scanned-page reader, in one frozen dataclass.

Lengths are in points (1/72 inch) unless the name says px; the reader converts them with the
page image's own resolution, so the same settings serve a 150-dpi and a 300-dpi scan.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScanSettings:
    # --- image (image.py)
    default_dpi: float = 200.0  # when the page holds no image to take the resolution from
    min_dpi: float = 150.0  # a stored image coarser than this is rendered up to it
    max_dpi: float = 300.0  # and a finer one down to this
    max_side_px: int = 5000  # the rendered page's longer side never exceeds this (downscaled)
    max_image_pixels: int = 150_000_000  # a stored image larger than this is refused, not decoded
    seal_red_margin: int = 20  # colour scans: red exceeding green and blue by this is a seal's ink

    # --- orientation and skew (orient.py)
    max_skew: float = 5.0  # degrees searched either way
    skew_step: float = 0.25  # coarse search step, degrees
    skew_fine_step: float = 0.05  # fine search step around the coarse best, degrees
    skew_work_px: int = 900  # the skew search runs on the page scaled to this longer side
    min_skew: float = 0.08  # a skew smaller than this is left alone (no resampling)
    flip_probe_lines: int = 6  # text lines recognised both ways to tell 0° from 180°
    flip_check_below: float = 0.9  # … only when they read upright with less mean confidence than this
    probe_phrase_chars: float = 4.0  # probes read fewer characters than this on average: perhaps
    # pieces cut across a page on its side (its text runs up the page); the other quarter is read too

    # --- binarisation and ruling lines (rules.py)
    binarize_block_pt: float = 14.0  # adaptive threshold's neighbourhood
    binarize_offset: int = 18  # grey levels under the neighbourhood mean that count as ink
    faint_reach_pt: float = 2.0  # a rule is looked for against the paper this far across it …
    faint_contrast: int = 30  # … and is ink where it is this many grey levels darker
    rule_min_length_pt: float = 20.0  # a straight run at least this long is a rule, not a stroke
    rule_short_length_pt: float = 6.0  # a shorter rule counts when it runs from one rule to another
    rule_seed_length_pt: float = 10.0  # runs shorter than this are text before gaps are closed
    rule_gap_pt: float = 3.0  # a run's gaps up to this are closed before pieces are measured
    rule_piece_length_pt: float = 3.0  # a shorter run continuing a rule across its breaks is part of it
    rule_bridge_pt: float = 6.0  # collinear pieces this close are one broken rule (a poor copy's gaps)
    rule_faded_pt: float = 45.0  # … and this close across clean paper (a faded stretch) …
    rule_header_faded_pt: float = (
        90.0  # a column's rule lost whole across a header row this high, labels each side
    )
    rule_faded_touched: float = 0.05  # … where ink touches neither along more than this share (text)
    rule_collinear_pt: float = 0.7  # … when their centres lie this close across the line
    rule_meet_pt: float = 1.5  # a rule meets or crosses a rule the other way within this
    rule_alone_share: float = 0.3  # a line this share of the page long is a rule even when it meets no other
    rule_text_beside: float = (
        0.3  # a line with ink a point beside it along this share needs two clean rules …
    )
    rule_text_gaps: float = (
        0.1  # … and is none when bridged over gaps along this share (strokes run together)
    )
    rule_twin_pt: float = 3.0  # a line this close beside a rule, along …
    rule_twin_share: float = 0.8  # … this share of it, is a double rule's other line: its ink is no text
    rule_max_thickness_pt: float = 4.0  # a thicker straight band is a filled area, not a rule
    streak_margin_pt: float = 24.0  # a line running this far past a table's outer rules is a streak …
    streak_far_pt: float = 72.0  # … ending with other lines only if they too run this far past their table
    streak_span_share: float = 0.5  # … when its collinear pieces (any gap) span this share of the page
    streak_ink_share: float = 0.5  # … and are inked along this share of that span
    streak_dash_width_pt: float = 1.0  # a streak a bitonal copy broke into dashes is ink this thin across …
    streak_dash_share: float = 0.4  # … on this share of the rows of its span (dashes.py) …
    streak_dash_gap_pt: float = 12.0  # … none of them further apart than this
    streak_stroke_beside: float = 0.6  # a piece with ink beside this share of it is a character's stroke
    streak_drift_pt: float = 1.5  # a streak's pieces lie this close across it (slant, deskew)
    streak_text_pt: float = 1.0  # ink this close on both sides of a streak inside a table …
    streak_crossing_pt: float = 4.0  # … along this much of a stretch between two rules: no rule under it
    streak_rule_contrast: int = 60  # a streak this much darker inside the table lies on a rule …
    streak_rule_wider_pt: float = 0.6  # … or, where it is black itself (bitonal), this much wider …
    streak_rule_share: float = 0.8  # … along this share of a stretch between two rules
    bitonal_white_share: float = (
        0.5  # a page whose paper is pure white over this share is a black-and-white scan
    )
    streak_stroke_contrast: int = 40  # a pixel this much darker than the streak over it is a stroke …
    streak_level_px: int = 101  # … the streak's grey taken along this many of its pixels (odd)
    rule_tick_out_pt: float = 1.5  # a lost rule's tick sticks out this far at most beside a rule it crossed …
    rule_tick_tall_pt: float = 2.0  # … and is at most this tall (joints.py) …
    rule_lost_ticks: int = 3  # … and rules ticked at one height before the lost rule is put back …
    rule_tick_grey: int = 110  # … a tick's pixels being darker than this grey level …
    rule_jagged_ticks: float = (
        15.0  # … on a rule with fewer than this per 100 pt (more: a deskewed staircase)
    )
    rule_end_reach_pt: float = (
        45.0  # a table rule's loose end is carried this far to the rule it points at (ends.py) …
    )
    rule_lost_ends: int = (
        3  # … rules of one table ending together in the open mark a rule lost whole (lost.py)
    )
    rule_lost_near_pt: float = 0.5  # … where no text stands across its way: ink this far off it …
    rule_lost_far_pt: float = 1.5  # … to this far, on both sides at once …
    rule_lost_crossed: float = 0.05  # … along at most this share of each stretch between the table's rules
    rule_lost_side_pt: float = 24.0  # … with cells' text this close on both sides …
    rule_lost_side_share: float = 0.1  # … along this share of it at least
    rule_streaked_label_pt: float = 2.0  # a streak on a column's rule: labels this far inside the cells …
    rule_streaked_paper_pt: float = 2.5  # … paper a point off the streak to this far, both sides
    rule_end_join_pt: float = 90.0  # … or joined this far to the loose end of the rest of its line …
    rule_end_resume_pt: float = 150.0  # … or carried this far to a rule across where its line goes on …
    rule_end_touch_pt: float = 3.0  # … an end this close to a rule the other way meets it …
    rule_overhang_pt: float = (
        24.0  # a column's rule run on past a row's rule through text this far is cut back
    )
    rule_end_near_pt: float = 1.0  # … across paper: ink from this far off the line …
    rule_end_far_pt: float = 3.0  # … to this far …
    rule_end_text_share: float = (
        0.1  # … along at most this share of the way (text across it: no column's rule)
    )
    # a column's rule lost across a row but for stubs this share of it (a 200-dpi bitonal header's
    # 3-px stub off the frame: 7 %) …
    rule_stub_share: float = 0.05
    rule_stub_width_pt: float = 0.75  # … centred this close to the line (stubs.py)
    cell_snap_pt: float = 3.0  # rules this close are one (scanned rules wobble by a pixel or two)

    # --- text lines (lines.py)
    min_ink_px: int = 3  # a band or blob thinner than this is noise
    line_gap_px: int = 1  # rows of ink separated by at most this many empty rows are one line
    tall_band_em: float = 1.6  # a band of rows taller than this many lines holds two lines bridged …
    thin_row_share: float = 0.05  # … split at rows with less ink than this share of its usual row
    segment_gap_em: float = 1.6  # outside tables, a gap this many line heights wide splits a line
    line_pad_px: int = 4  # white margin kept around a line crop
    rule_clearance_px: int = 2  # ink this close to a ruling line belongs to the rule
    speck_size_em: float = 0.25  # a mark no larger than this many line heights each way …
    speck_reach_em: float = 0.35  # … with no other ink this near is a toner speck (specks.py)
    speck_line_em: float = 0.3  # a line of marks no larger each way (not a dash) is a speck
    stroke_line_em: float = 1.8  # a line of slashes or chevrons alone this tall is a pen's stroke
    wide_bits_em: float = 2.0  # a line of a mark or two (1, —) this many em wider than they print is a zigzag
    far_bits_em: float = (
        1.5  # a line of a mark or two this many em clear of its cell's text is a stroke's piece
    )

    # --- recognition (recognize.py)
    rec_height: int = 48  # the model's input height
    rec_fast_height: int = 40  # every line is read first at this height (about 20 % cheaper) …
    rec_recheck_below: float = 0.9  # … and read again at rec_height when a character scored under this
    rec_recheck_context: int = 3  # … only those characters and this many either side (recheck.py)
    rec_dropped_gap: float = (
        1.6  # … and where two Chinese characters stand this many line heights apart (one dropped)
    )
    rec_batch: int = 16  # lines that scale to one width are read together, this many at most: never
    # padded (a padded line's reading hangs on its neighbours: 90 read 190), so each reads as alone
    rec_threads: int = 1  # onnxruntime intra-op threads: CPU-seconds stay honest, workers scale
    cv_threads: int = 1  # OpenCV's threads (set for the process when a page is read)
    same_ink_tolerance: float = 0.04  # crops whose ink differs by at most this share are read once
    cjk_advance: float = 1.0  # a CJK character's width in line heights
    narrow_advance: float = 0.55  # an ASCII character's width in line heights

    # --- operators, punctuation and vocabulary (operators.py, punctuation.py, vocabulary.py)
    full_width_gap_em: float = 0.35  # white by a comma beyond the line's usual spacing: full-width (，not ,)
    full_width_other_gap_em: float = 0.45  # white by another mark wider than this: full-width (： （ not : ()
    one_style_ratio: float = 2.0  # a cell's clause marks this many times as often one width as the other …
    one_style_least: int = 3  # … and at least this many: the others take that width (punctuation.py)
    middle_dot_max_chars: int = 10  # a dot the model left out is put back in lines this short (人·天)
    middle_dot_band_em: float = 0.25  # … its neighbours' ink looked for this far above and below it
    vocabulary_doubt: float = 0.95  # a character read with less probability may be corrected to a known name
    header_doubt: float = 0.9  # … and to a header label when the line's other characters are this sure
    # --- traditional characters (traditional.py)
    traditional_sure: float = 0.5  # a traditional-only character read this surely (all read doubted) …
    traditional_least: int = 2  # … this many different ones: the page prints traditional characters
    traditional_lean: float = 0.04  # there a simplified form whose traditional one came this close is it


DEFAULT = ScanSettings()
