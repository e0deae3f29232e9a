-- Searches the reader role can run through their indexes. Row-level security lets a query
-- use an index only through leakproof operators, and neither full-text match (@@) nor
-- trigram similarity (%) is one: as `sextant_reader` every search read the whole table,
-- every organisation's items, in a sequential scan (150 ms for a rare word among 800,000
-- items; 6 s for the similar items of one). These functions run as the tables' owner and
-- find the matching ids through the indexes, for the tenant the reading transaction set
-- (`sextant.tenant_id`, which the row-level policy reads too) and no other; the caller
-- reads the rows themselves under its policy.
DO $$
BEGIN
    -- Made only when missing: a login that may not make roles (a managed server's app
    -- user) finds it made for it, as deploy/README.md says.
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sextant_reader') THEN
        CREATE ROLE sextant_reader NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- made already (the role is the server's), maybe by another service a moment ago
END
$$;

CREATE OR REPLACE FUNCTION feedback_matching(workspace text, words text)
RETURNS TABLE (feedback_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 100
SET search_path = public, pg_temp
AS $$
    SELECT i.feedback_id FROM feedback_inbox i
    WHERE i.tenant_id = current_setting('sextant.tenant_id', true)
      AND i.workspace_id = workspace
      AND i.search_doc @@ websearch_to_tsquery('english', words)
$$;

-- At least pg_trgm.similarity_threshold alike (the caller sets it).
CREATE OR REPLACE FUNCTION feedback_resembling(workspace text, resembled text)
RETURNS TABLE (feedback_id uuid, similarity real)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 100
SET search_path = public, pg_temp
AS $$
    SELECT i.feedback_id, similarity(i.text, resembled) FROM feedback_inbox i
    WHERE i.tenant_id = current_setting('sextant.tenant_id', true)
      AND i.workspace_id = workspace
      AND i.text % resembled
$$;

REVOKE ALL ON FUNCTION feedback_matching(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION feedback_resembling(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION feedback_matching(text, text) TO sextant_reader;
GRANT EXECUTE ON FUNCTION feedback_resembling(text, text) TO sextant_reader;
