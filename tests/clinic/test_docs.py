"""The README stays the one place that lists every environment variable."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
READ_ENV = re.compile(
    r"""(?:os\.environ\.get|os\.environ\[|env_bool|env_list|env)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def test_readme_documents_every_environment_variable_the_code_reads():
    sources = [ROOT / "clinic" / "settings.py", ROOT / "gunicorn.conf.py"]
    names = {name for path in sources for name in READ_ENV.findall(path.read_text())}
    readme = (ROOT / "README.md").read_text()

    missing = sorted(name for name in names if f"`{name}`" not in readme)

    assert len(names) > 40
    assert missing == []
