"""keten.validators: units, quantities and identifiers as the importer and the API read them."""

from __future__ import annotations

import pytest

from keten import validators


@pytest.mark.parametrize("spelling", ["pcs", "pc", "piece", "pieces", "ea", "each", "stuks", "stuk", " pcs "])
def test_every_spelling_of_a_piece_is_pcs(spelling: str) -> None:
    assert validators.canonical_unit(spelling) == "pcs"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("kg", "kg"),
        ("kilogram", "kg"),
        ("g", "g"),
        ("t", "t"),
        ("mm", "mm"),
        ("l", "l"),
        ("L", "l"),
        ("m^2", "m^2"),
    ],
)
def test_units_get_one_short_spelling(spelling: str, canonical: str) -> None:
    assert validators.canonical_unit(spelling) == canonical


@pytest.mark.parametrize(
    ("text", "message"), [("kgg", "unknown unit 'kgg'"), ("", "empty"), ("12 ##", "unknown unit")]
)
def test_an_unknown_unit_is_named(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validators.canonical_unit(text)


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("12 g", "kg", 0.012),
        ("12g", "kg", 0.012),
        ("0,5 kg", "kg", 0.5),
        ("3.2 t", "kg", 3200.0),
        ("3", "kg", 3.0),
        ("250 mm", "m", 0.25),
        ("1e3 g", "kg", 1.0),
        ("2 pcs", "pcs", 2.0),
        ("1 dozen", "pcs", 12.0),
        ("1.5 l", "ml", 1500.0),
    ],
)
def test_a_quantity_is_read_in_the_target_unit(text: str, target: str, expected: float) -> None:
    assert validators.parse_quantity(text, target) == pytest.approx(expected, rel=1e-12)


def test_a_unit_that_measures_something_else_does_not_fit() -> None:
    with pytest.raises(ValueError, match="unit 'kg' does not fit a part counted in 'pcs'"):
        validators.parse_quantity("2 kg", "pcs")
    with pytest.raises(ValueError, match="does not fit"):
        validators.parse_quantity("2 m", "kg")


@pytest.mark.parametrize("text", ["abc", "", "kg 12", "1,2,3 kg", "--1 g"])
def test_text_that_is_no_quantity_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a quantity|unknown unit"):
        validators.parse_quantity(text, "kg")


def test_a_column_of_quantities_parses_its_unit_once() -> None:
    # An import of 100,000 rows parses one mass per row: pint must see the unit once, not per row.
    # (How fast a whole import is belongs to bench/, not to a timed assert.)
    validators._factor.cache_clear()
    validators._unit.cache_clear()
    cells = [f"{i % 997} g" for i in range(50_000)]
    total = sum(validators.parse_quantity(cell, "kg") for cell in cells)
    assert total == pytest.approx(sum(i % 997 for i in range(50_000)) / 1000)
    assert validators._factor.cache_info().misses == 1
    assert validators._unit.cache_info().misses == 2  # 'g' and 'kg'


@pytest.mark.parametrize(("code", "expected"), [("NL", "NL"), ("nl", "NL"), (" de ", "DE"), ("TW", "TW")])
def test_country_codes_are_upper_case_iso_3166(code: str, expected: str) -> None:
    assert validators.check_country(code) == expected


@pytest.mark.parametrize("code", ["XX", "NLD", "N", "", "12"])
def test_a_country_that_is_not_iso_3166_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="ISO 3166-1 alpha-2"):
        validators.check_country(code)


def test_kvk_numbers_are_eight_digits() -> None:
    assert validators.check_kvk("17014545") == "17014545"
    assert validators.check_kvk("1701 4545") == "17014545"
    for bad in ("1701454", "170145456", "1701454a"):
        with pytest.raises(ValueError, match="expected 8 digits"):
            validators.check_kvk(bad)


@pytest.mark.parametrize(
    "lei",
    # published LEIs of Siemens AG, Deutsche Bank AG and Apple Inc.
    ["529900T8BM49AURSDO55", "7LTWFZYICNSX8D621K86", "HWUPKR0MPOU8FGXBT394"],
)
def test_real_leis_pass_the_mod_97_check(lei: str) -> None:
    assert validators.check_lei(lei) == lei
    assert validators.check_lei(f" {lei.lower()} ") == lei


def test_a_lei_with_a_wrong_check_digit_or_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="check digits are wrong"):
        validators.check_lei("529900T8BM49AURSDO56")
    # two characters swapped: MOD 97-10 catches transpositions
    with pytest.raises(ValueError, match="check digits are wrong"):
        validators.check_lei("529900T8BM49AURSOD55")
    with pytest.raises(ValueError, match="18 letters or digits and 2 check digits"):
        validators.check_lei("529900T8BM49AURSDO5")
    with pytest.raises(ValueError, match="18 letters or digits and 2 check digits"):
        validators.check_lei("529900T8BM49AURSDOXX")


def test_glns_carry_the_gs1_check_digit() -> None:
    # 871234567890: weights 1,3,1,3,... from the left give 114, so the check digit is 10 - 4 = 6
    assert validators.check_gln("8712345678906") == "8712345678906"
    assert validators.check_gln("4006381333931") == "4006381333931"
    with pytest.raises(ValueError, match="check digit should be 6"):
        validators.check_gln("8712345678907")
    with pytest.raises(ValueError, match="expected 13 digits"):
        validators.check_gln("871234567890")
