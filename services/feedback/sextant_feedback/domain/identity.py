"""Deterministic identities: the same outside reference is always the same aggregate."""

from __future__ import annotations

from uuid import UUID, uuid5

from sextant_feedback.domain.channels import Channel

FEEDBACK_NAMESPACE = UUID("7b0c5f3e-2a55-4d0b-9b1e-5d8f0c1a7e21")
CUSTOMER_NAMESPACE = UUID("0f5d2b8e-61a4-4c3e-8a1d-2e7c9b4f6a10")


def feedback_id_for(tenant_id: str, workspace_id: str, source: Channel, external_id: str) -> UUID:
    """(source, external id) identifies an item in a workspace across every channel."""
    return uuid5(FEEDBACK_NAMESPACE, f"{tenant_id}\n{workspace_id}\n{source.value}\n{external_id}")


def customer_id_for(tenant_id: str, customer_ref: str) -> UUID:
    """A customer account is known by the organisation's own reference (CRM id)."""
    return uuid5(CUSTOMER_NAMESPACE, f"{tenant_id}\n{customer_ref}")
