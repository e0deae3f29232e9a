-- The organisation's customer directory, listed by ref.
CREATE INDEX IF NOT EXISTS customers_ref ON customers (tenant_id, ref);
