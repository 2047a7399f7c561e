"""Operator passwords, hashed with argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Passwords:
    def __init__(self) -> None:
        self._hasher = PasswordHasher()

    @cached_property
    def _dummy(self) -> str:
        # Hashed on the first sign-in with an unknown name, not at every start-up:
        # an argon2 hash costs tens of milliseconds and 64 MiB by design.
        return self._hasher.hash("a password nobody has")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches; an unknown user costs the same time as a known one."""
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
