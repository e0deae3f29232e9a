-- A customer's feedback and the votes cast on its behalf, found by the customer
-- (GET /v1/query/customers/{ref}/trace) rather than by reading every item.
CREATE INDEX IF NOT EXISTS query_feedback_customer ON query_feedback (tenant_id, customer_id);
CREATE INDEX IF NOT EXISTS query_feedback_votes_customer
    ON query_feedback_votes (tenant_id, customer_id);
