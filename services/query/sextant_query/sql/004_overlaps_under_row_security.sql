-- The views across workspaces find the roadmap items serving some objectives or pursuing
-- some opportunities, and the opportunities some problems back, by array overlap (&&),
-- which row-level security keeps from their GIN indexes (it is not leakproof): as
-- `sextant_reader` each such read was a sequential scan of the organisation's items (an
-- objective's trace 215 ms, the portfolio 170 ms among 1,000,000 items). These functions
-- run as the tables' owner and find the ids through the indexes, for the tenant the
-- reading transaction set (`sextant.tenant_id`, which the policy reads too) and no other;
-- the caller reads the rows themselves under its policy.
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

CREATE OR REPLACE FUNCTION query_items_serving(objectives text[])
RETURNS TABLE (item_id text)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 100
SET search_path = public, pg_temp
AS $$
    SELECT i.item_id FROM query_roadmap_items i
    WHERE i.tenant_id = current_setting('sextant.tenant_id', true)
      AND i.objective_ids && objectives
$$;

CREATE OR REPLACE FUNCTION query_items_pursuing(opportunities text[])
RETURNS TABLE (item_id text)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 100
SET search_path = public, pg_temp
AS $$
    SELECT i.item_id FROM query_roadmap_items i
    WHERE i.tenant_id = current_setting('sextant.tenant_id', true)
      AND i.opportunity_ids && opportunities
$$;

CREATE OR REPLACE FUNCTION query_opportunities_backed_by(problems text[])
RETURNS TABLE (opportunity_id text)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 100
SET search_path = public, pg_temp
AS $$
    SELECT q.opportunity_id FROM query_opportunities q
    WHERE q.tenant_id = current_setting('sextant.tenant_id', true)
      AND q.problem_ids && problems
$$;

REVOKE ALL ON FUNCTION query_items_serving(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION query_items_pursuing(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION query_opportunities_backed_by(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION query_items_serving(text[]) TO sextant_reader;
GRANT EXECUTE ON FUNCTION query_items_pursuing(text[]) TO sextant_reader;
GRANT EXECUTE ON FUNCTION query_opportunities_backed_by(text[]) TO sextant_reader;
