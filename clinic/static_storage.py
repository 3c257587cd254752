"""The static files' storage in production: whitenoise's compressed manifest storage, with each
file's URL worked out once per process.

Every page asks for seven static URLs; the manifest storage works each one out again (the
hashed name from the manifest, then joining, quoting and checking it), about 0.1 ms of a page
such as the time picker. The manifest is read once, when the process starts, and a release
(new files, a new manifest) starts new processes: a URL found once holds for the process's
life.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:  # collectstatic's own post-processing: the manifest is being written
            return super().url(name, force=True)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
