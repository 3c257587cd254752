"""Is a SECRET_KEY fit for production? Read by settings at start-up (pure: no settings access).

The rule is Django's own `check --deploy` rule (security.W009), from Django's constants, so the
start-up refusal and the deploy check can never disagree again.
"""

from __future__ import annotations

from django.core.checks.security import base as deploy_checks

MIN_LENGTH = deploy_checks.SECRET_KEY_MIN_LENGTH
MIN_UNIQUE = deploy_checks.SECRET_KEY_MIN_UNIQUE_CHARACTERS
INSECURE_PREFIX = deploy_checks.SECRET_KEY_INSECURE_PREFIX


def secret_key_problem(key: str, *, dev_key: str) -> str | None:
    """Why `key` is unfit for production, as a phrase ("has 32 characters; ..."), else None."""
    if key == dev_key:
        return "is the development key"
    if key.startswith(INSECURE_PREFIX):
        return f"starts with {INSECURE_PREFIX!r} (a generated development key)"
    if len(key) < MIN_LENGTH:
        return f"has {len(key)} characters; at least {MIN_LENGTH} are needed"
    if len(set(key)) < MIN_UNIQUE:
        return f"has {len(set(key))} different characters; at least {MIN_UNIQUE} are needed"
    return None


def secret_key_advice(problem: str) -> str:
    return (
        f"DEBUG is off but SECRET_KEY {problem}. Set SECRET_KEY to a long random value "
        f"(at least {MIN_LENGTH} characters, {MIN_UNIQUE} or more different), e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
