-- Each problem's, opportunity's, experiment's, insight's, persona's and competitor's
-- version as its stream has it, which a command's answer gives as ``stream_version`` and an
-- If-Match names (a persona's ``version`` is its profile's, which archiving does not move).
-- Rows projected before this take their stream's version from the store, in this database.
ALTER TABLE discovery_problems ADD COLUMN IF NOT EXISTS stream_version integer NOT NULL DEFAULT 0;
ALTER TABLE discovery_opportunities
    ADD COLUMN IF NOT EXISTS stream_version integer NOT NULL DEFAULT 0;
ALTER TABLE discovery_experiments
    ADD COLUMN IF NOT EXISTS stream_version integer NOT NULL DEFAULT 0;
ALTER TABLE discovery_insights ADD COLUMN IF NOT EXISTS stream_version integer NOT NULL DEFAULT 0;
ALTER TABLE discovery_personas ADD COLUMN IF NOT EXISTS stream_version integer NOT NULL DEFAULT 0;
ALTER TABLE discovery_competitors
    ADD COLUMN IF NOT EXISTS stream_version integer NOT NULL DEFAULT 0;

WITH streams AS (
    SELECT stream_id, max(stream_version) AS version FROM events
    WHERE stream_type IN ('problem', 'opportunity', 'experiment', 'insight', 'persona',
        'competitor')
    GROUP BY stream_id
), problems AS (
    UPDATE discovery_problems t SET stream_version = s.version FROM streams s
    WHERE s.stream_id = t.problem_id::text AND t.stream_version < s.version
), opportunities AS (
    UPDATE discovery_opportunities t SET stream_version = s.version FROM streams s
    WHERE s.stream_id = t.opportunity_id::text AND t.stream_version < s.version
), experiments AS (
    UPDATE discovery_experiments t SET stream_version = s.version FROM streams s
    WHERE s.stream_id = t.experiment_id::text AND t.stream_version < s.version
), insights AS (
    UPDATE discovery_insights t SET stream_version = s.version FROM streams s
    WHERE s.stream_id = t.insight_id::text AND t.stream_version < s.version
), personas AS (
    UPDATE discovery_personas t SET stream_version = s.version FROM streams s
    WHERE s.stream_id = t.persona_id::text AND t.stream_version < s.version
)
UPDATE discovery_competitors t SET stream_version = s.version FROM streams s
WHERE s.stream_id = t.competitor_id::text AND t.stream_version < s.version;
