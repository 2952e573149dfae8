"""Numbers and dates as each language writes them, to the digits that are known."""

from __future__ import annotations

from datetime import date, datetime

from keten.ui import format as fmt
from keten.ui.i18n import country_name, translate_message

G = "\u202f"


def test_dutch_writes_a_decimal_comma_and_english_a_point() -> None:
    assert fmt.number(1717840.94, "nl", 1) == f"1{G}717{G}840,9"
    assert fmt.number(1717840.94, "en", 1) == f"1{G}717{G}840.9"
    assert fmt.number(None, "nl") == "–" and fmt.number(-0.04, "en", 1) == "0.0"
    assert fmt.plotly_separators("nl") == f",{G}" and fmt.plotly_separators("en") == f".{G}"


def test_a_total_shows_only_the_digits_its_uncertainty_leaves_known() -> None:
    # ±8 % of 1.7 million is ±137 000: the hundred-thousands digit is the last one known.
    assert fmt.amount(1717840.9, "nl", 0.08) == f"1{G}700{G}000"
    assert fmt.amount(1717840.9, "nl", 0.004) == f"1{G}718{G}000"
    assert fmt.amount(1717840.9, "nl") == f"1{G}720{G}000"  # three significant figures
    assert fmt.significant(19.87, "nl") == "19,9"


def test_no_figure_is_written_in_scientific_notation() -> None:
    assert fmt.significant(8.608e-05, "en") == "0.0000861"
    assert fmt.quantity(8.608e-05, "nl") == "0,00008608"
    assert fmt.quantity(2.0, "en") == "2" and fmt.quantity(0.5, "nl") == "0,5"
    assert "e" not in fmt.significant(1.5e20, "en")


def test_a_small_share_is_not_shown_as_nothing() -> None:
    assert fmt.percent(0.354, "nl") == "35,4\u00a0%"
    assert fmt.percent(0.0004, "en") == "< 0.1\u00a0%"
    assert fmt.percent(0.0, "en") == "0.0\u00a0%"


def test_dates_are_written_the_way_each_language_does() -> None:
    assert fmt.format_date(date(2026, 3, 5), "nl") == "5 mrt. 2026"
    assert fmt.format_date(date(2026, 3, 5), "en") == "5 Mar 2026"
    assert fmt.format_datetime(datetime(2026, 12, 3, 15, 57), "nl") == "3 dec. 2026 15:57"


def test_countries_and_messages_read_in_dutch() -> None:
    assert country_name("DE", "nl") == "Duitsland" and country_name("DE", "en") == "Germany"
    assert country_name("XX", "nl") == "XX"
    assert translate_message("nl", "there is no part 'X-1'") == "er is geen onderdeel 'X-1'"
    assert translate_message("nl", "password: Field required") == "Wachtwoord: verplicht veld"
    assert translate_message("en", "password: Field required") == "password: Field required"
    assert translate_message("nl", "something new") == "something new"
