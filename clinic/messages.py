"""The Spanish catalogue: extract, compile, check (issue 17).

`make messages` runs `python -m clinic.messages update`: Django's makemessages (needs GNU
gettext's xgettext) refreshes locale/es/LC_MESSAGES/django.po, then polib compiles django.mo, so
a machine without gettext still serves Spanish from the committed .mo. `make test` checks the
catalogue with tests/test_translations.py: every entry translated and not fuzzy, the same
placeholders in both languages, the .mo compiled from the .po, and (where xgettext exists, as in
CI) no marked string missing from the .po.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
LANGUAGES = ["es"]
# Folders that hold no patient-facing strings of ours (or are not ours).
# "locale" too: makemessages would otherwise put the catalogue folder it finds first in line, and
# the check (extracted_msgids) would write to the real catalogue instead of its scratch copy.
IGNORED = [
    "var/*", "staticfiles/*", "media/*", "node_modules/*", "tests/*", "bench/*", "docs/*",
    "locale", ".locale-check-*",
]  # fmt: skip
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sd]|%[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def po_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def extract(locale_dir: Path = LOCALE_DIR) -> None:
    """makemessages into `locale_dir` (file names kept as context, no line numbers: less churn)."""
    # No line wrapping, here and in polib: the two wrap differently, and each run would
    # rewrap the other's lines.
    command = [
        sys.executable, "manage.py", "makemessages", "--add-location=file", "--no-obsolete",
        "--no-wrap",
    ]  # fmt: skip
    for language in LANGUAGES:
        command += ["-l", language]
    for pattern in IGNORED:
        command += ["--ignore", pattern]
    env = {**os.environ, "CLINIC_LOCALE_DIR": str(locale_dir)}
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True, capture_output=True)
    for language in LANGUAGES:
        _settle_header(po_path(language, locale_dir), language)


def _settle_header(po: Path, language: str) -> None:
    """Our header, not xgettext's template (which is fuzzy, so a checker would skip it)."""
    catalogue = polib.pofile(str(po), wrapwidth=0)
    catalogue.header = "The clinic's patient-facing text in Spanish (issue 17)."
    catalogue.metadata.update(
        {
            "Project-Id-Version": "clinic",
            "Language": language,
            "Language-Team": "Clinic <no-reply@clinic.localhost>",
            "Last-Translator": "Clinic <no-reply@clinic.localhost>",
            "PO-Revision-Date": catalogue.metadata.get("POT-Creation-Date", ""),
            "Plural-Forms": "nplurals=2; plural=(n != 1);",
        }
    )
    catalogue.metadata_is_fuzzy = False
    catalogue.save(str(po))


def compile_all(locale_dir: Path = LOCALE_DIR) -> None:
    for language in LANGUAGES:
        po = po_path(language, locale_dir)
        polib.pofile(str(po)).save_as_mofile(str(po.with_suffix(".mo")))


def extracted_msgids() -> set[tuple[str | None, str]]:
    """The (context, msgid) pairs the code marks today, extracted into a scratch copy.

    The copy lives in the project's folder on purpose: makemessages writes a file's strings to
    the first locale folder whose parent holds that file, and it also adds ./locale itself; a
    copy under /tmp would never be chosen, and the real catalogue would be rewritten instead.
    """
    scratch = Path(tempfile.mkdtemp(dir=BASE_DIR, prefix=".locale-check-"))
    try:
        scratch_dir = scratch / "locale"
        if LOCALE_DIR.exists():
            shutil.copytree(LOCALE_DIR, scratch_dir)
        else:
            scratch_dir.mkdir()
        # makemessages puts a file's strings in the first locale folder whose parent is a prefix
        # of the file's path: the scratch folder's parent must be the project itself.
        link = BASE_DIR / f"{scratch.name}-locale"
        link.symlink_to(scratch_dir, target_is_directory=True)
        try:
            extract(link)
        finally:
            link.unlink()
        return entry_keys(polib.pofile(str(po_path("es", scratch_dir))))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def entry_keys(catalogue) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in catalogue if not entry.obsolete}


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        extract()
        compile_all()
        return 0
    if argv[:1] == ["compile"]:
        compile_all()
        return 0
    print("usage: python -m clinic.messages update|compile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
