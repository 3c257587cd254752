"""The Spanish catalogue is complete, correct and compiled (issue 17; clinic/messages.py)."""

import shutil

import polib
import pytest

from clinic import messages

PO = messages.po_path("es")
MO = PO.with_suffix(".mo")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(PO))


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert [entry.msgid for entry in catalogue.obsolete_entries()] == []


def test_translations_keep_every_placeholder(catalogue):
    wrong = []
    for entry in catalogue.translated_entries():
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        for source, translated in pairs:
            if messages.placeholders(source) != messages.placeholders(translated):
                wrong.append((entry.msgid, translated))
    assert wrong == []


def test_the_compiled_catalogue_is_the_committed_one(catalogue):
    """django.mo is committed (a machine without gettext serves Spanish): it must be the .po's."""
    compiled = polib.mofile(str(MO))

    def table(entries):
        return {
            (entry.msgctxt, entry.msgid): (entry.msgstr, dict(entry.msgstr_plural))
            for entry in entries
            if entry.msgstr or entry.msgstr_plural
        }

    assert table(compiled) == table(catalogue.translated_entries())


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_every_marked_string_is_in_the_catalogue(catalogue):
    """Nothing marked in the code is missing from the .po, nothing in it is stale: run
    `make messages` and translate after marking strings."""
    in_code = messages.extracted_msgids()
    in_catalogue = messages.entry_keys(catalogue)
    assert sorted(in_code - in_catalogue, key=str) == []
    assert sorted(in_catalogue - in_code, key=str) == []
