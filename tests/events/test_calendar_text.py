"""The text helpers of events.calendar: the whole-string fast path keeps exactly what the
character-by-character rule keeps, for the nasty cases too."""

import pytest

from events.calendar import _plain, _text, single_line

NASTY = [
    "",
    "Caffè & cornetti",
    "  spaced   out  ",
    "two\nlines\r\nand\rmore",
    "tab\tin\tit",
    "nul\x00byte and escape\x1b[31m",
    "bell\x07 and delete\x7f",
    "zero\u200bwidth and joiner\u200d",
    "right-to-left \u200f\u0645\u0631\u062d\u0628\u0627\u200e mark",
    "line\u2028separator and paragraph\u2029separator",
    "no-break\xa0space and thin\u2009space",
    "emoji ☕🚀 and flags 🇮🇹",
    "<b>html</b> &amp; entities",
    "\n\n leading and trailing \n\n",
    "x" * 5000 + "\x00",
]


def _single_line_by_character(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _text_by_character(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


def _plain_by_character(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch == "\n" or ch.isprintable()).strip()


@pytest.mark.parametrize("text", NASTY)
def test_each_helper_keeps_what_the_character_rule_keeps(text):
    assert single_line(text) == _single_line_by_character(text)
    assert _text(text) == _text_by_character(text)
    assert _plain(text) == _plain_by_character(text)


def test_controls_and_separators_go_printable_text_stays():
    assert single_line("a\x00b\u2028c\nd\xa0e") == "a b c d e"
    assert _text("a\x00b\tc\nd\u200be") == "ab\tc\nde"
    assert _plain(" \x1b[1mbold\x1b[0m\r\nnext ") == "[1mbold[0m\nnext"
    assert _plain("\u0645\u0631\u062d\u0628\u0627 ☕") == "\u0645\u0631\u062d\u0628\u0627 ☕"
