"""Crypto-shredding: personal fields are sealed with a key per data subject (the customer).

A sealed value is ``sealed:v1:<subject id>:<base64 nonce+ciphertext>`` (AES-256-GCM, the
subject id as associated data). Keys live only in this service's ``subject_keys`` table;
erasing a customer deletes the key, after which every copy of every sealed value — in the
event store, on Kafka, in backups of either — is noise. Readers show ``[erased]``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Mapping
from uuid import UUID

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "sealed:v1:"
ERASED = "[erased]"


def seal(key: bytes, subject_id: UUID, plaintext: str) -> str:
    nonce = os.urandom(12)
    box = AESGCM(key).encrypt(nonce, plaintext.encode(), subject_id.bytes)
    return f"{PREFIX}{subject_id}:{base64.b64encode(nonce + box).decode()}"


def subject_of(value: str) -> UUID | None:
    if not value.startswith(PREFIX):
        return None
    return UUID(value[len(PREFIX) : len(PREFIX) + 36])


def unseal(keys: Mapping[UUID, bytes], value: str) -> str:
    """The plaintext, ``value`` itself when it is not sealed, or ERASED without its key."""
    subject = subject_of(value)
    if subject is None:
        return value
    key = keys.get(subject)
    if key is None:
        return ERASED
    raw = base64.b64decode(value[len(PREFIX) + 37 :])
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], subject.bytes).decode()
    except InvalidTag:
        return ERASED


class KeyRing:
    """The subjects' keys in PostgreSQL; erasure deletes a key for good."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def keys(
        self, tenant_id: str, subjects: Iterable[UUID], *, create: bool = False
    ) -> dict[UUID, bytes]:
        wanted = sorted(set(subjects))
        if not wanted:
            return {}
        if create:
            await self._pool.execute(
                "INSERT INTO subject_keys (tenant_id, subject_id, key)"
                " SELECT $1, s, k FROM unnest($2::uuid[], $3::bytea[]) AS x(s, k)"
                " WHERE NOT EXISTS (SELECT 1 FROM erased_subjects e"
                "   WHERE e.tenant_id = $1 AND e.subject_id = s)"
                " ON CONFLICT DO NOTHING",
                tenant_id,
                wanted,
                [AESGCM.generate_key(bit_length=256) for _ in wanted],
            )
        rows = await self._pool.fetch(
            "SELECT subject_id, key FROM subject_keys"
            " WHERE tenant_id = $1 AND subject_id = ANY($2::uuid[])",
            tenant_id,
            wanted,
        )
        return {r["subject_id"]: bytes(r["key"]) for r in rows}

    async def erased(self, tenant_id: str, subject_id: UUID) -> bool:
        """Whether the subject's data was erased on request."""
        found: bool = await self._pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM erased_subjects"
            " WHERE tenant_id = $1 AND subject_id = $2)",
            tenant_id,
            subject_id,
        )
        return found

    async def erase(self, tenant_id: str, subject_id: UUID) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "DELETE FROM subject_keys WHERE tenant_id = $1 AND subject_id = $2",
                tenant_id,
                subject_id,
            )
            await conn.execute(
                "INSERT INTO erased_subjects (tenant_id, subject_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                tenant_id,
                subject_id,
            )
