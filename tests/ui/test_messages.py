"""Messages of the import carry their template and values: the API reads them in English, a page
says them in its reader's language, and every template the import can raise has its Dutch."""

from __future__ import annotations

import ast
import json
import pickle
import string
from pathlib import Path

import pytest

from keten import validators
from keten.dataio import specs
from keten.messages import Invalid, Message, Term, message_of
from keten.ui.i18n import NL, say, translate_message

SRC = Path(__file__).resolve().parents[2] / "src" / "keten"
RAISERS = {"Message": 0, "Invalid": 0, "CellError": 1, "cell": 3}
"""Calls that take a message template, and the position of the template among their arguments."""


def _templates() -> list[tuple[str, int, ast.expr]]:
    found = []
    for path in [*sorted((SRC / "dataio").glob("*.py")), SRC / "validators.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            position = RAISERS.get(name)
            if position is not None and len(node.args) > position:
                found.append((path.name, node.lineno, node.args[position]))
    return found


def _passed_on(arg: ast.expr) -> bool:
    """Whether ``arg`` hands on a template or message made elsewhere (and checked there)."""
    if isinstance(arg, ast.Name):
        return arg.id == "template"
    return isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "message_of"


def _has_words(template: str) -> bool:
    literal = "".join(text for text, *_ in string.Formatter().parse(template))
    return any(ch.isalpha() for ch in literal)


def test_every_template_the_import_raises_is_a_literal_with_its_dutch() -> None:
    untranslated, not_literal = [], []
    templates = _templates()
    for where, line, arg in templates:
        options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
        for option in options:
            if isinstance(option, ast.Constant) and isinstance(option.value, str):
                if _has_words(option.value) and option.value not in NL:
                    untranslated.append(f"{where}:{line} {option.value!r}")
            elif not _passed_on(option):
                # An f-string or a joined text would lose the values a page translates.
                not_literal.append(f"{where}:{line}")
    assert len(templates) > 60
    assert not untranslated, untranslated
    assert not not_literal, not_literal


def test_dutch_templates_name_the_same_values_as_their_english() -> None:
    for english, dutch in NL.items():
        if not _has_words(english):
            continue
        fields = {f for _, f, *_ in string.Formatter().parse(english) if f}
        assert {f for _, f, *_ in string.Formatter().parse(dutch) if f} == fields, english


def test_a_cell_error_reads_in_english_for_the_api_and_in_dutch_on_a_page() -> None:
    with pytest.raises(specs.CellError) as caught:
        specs.SPECS["bom"].parse({"parent": "A", "child": "B", "quantity": "zestien"})
    message = caught.value.located()
    english = (
        "quantity: 'zestien' is not a quantity; expected a number with an optional unit, such as 2 or 250 g"
    )
    assert message == english and str(caught.value) in english
    assert json.loads(json.dumps({"message": message})) == {"message": english}
    assert say("en", message) == english
    assert say("nl", message) == (
        "aantal: 'zestien' is geen hoeveelheid; verwacht een getal, eventueel met een eenheid, "
        "zoals 2 of 250 g"
    )
    assert pickle.loads(pickle.dumps(message)).template == message.template


def test_numbers_lists_and_terms_inside_a_message_follow_the_language() -> None:
    message = Message(
        "{raw} is above {maximum}, the most {column} may be", raw="2e6", maximum=1e6, column=Term("mass")
    )
    assert message == "2e6 is above 1,000,000, the most mass may be"
    assert say("nl", message) == "2e6 is meer dan 1\u202f000\u202f000, het hoogste dat massa mag zijn"
    kinds = Message(
        "'{kind}' is not a kind; expected one of {kinds}", kind="x", kinds=(Term("parts"), Term("bom"))
    )
    assert kinds == "'x' is not a kind; expected one of parts, bom"
    assert say("nl", kinds) == "'x' is geen soort; verwacht een van onderdelen, stuklijst"
    assert say("nl", "text of the file") == "text of the file" and say("nl", None) == ""
    # An error page given a problem's detail that is a Message says it from its template too.
    missing = Message(
        "no column mapping is saved as '{name}'; saved: {known}", name="ERP", known=Message("none")
    )
    assert (
        translate_message("nl", missing) == "er is geen kolomkoppeling opgeslagen als 'ERP'; opgeslagen: geen"
    )


def test_a_validator_error_keeps_its_message_through_a_value_error() -> None:
    with pytest.raises(ValueError, match="is not a KvK number") as caught:
        validators.check_kvk("123")
    assert isinstance(caught.value, Invalid)
    assert say("nl", message_of(caught.value)) == "'123' is geen KvK-nummer; verwacht 8 cijfers"
    # Any other error's text is kept as it is.
    assert message_of(KeyError("x")) == "'x'" and say("nl", message_of(ValueError("{odd}"))) == "{odd}"
