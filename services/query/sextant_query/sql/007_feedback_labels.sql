-- Each item's tags and themes (FeedbackReceived, FeedbackClassified): what the feedback of
-- every team is about, counted across the organisation. Items projected before this
-- migration have none until the projection is rebuilt (`sextant rebuild query
-- query_feedback`). The window of a trend is read by when items were received.
ALTER TABLE query_feedback ADD COLUMN IF NOT EXISTS tags text[] NOT NULL DEFAULT '{}';
ALTER TABLE query_feedback ADD COLUMN IF NOT EXISTS themes text[] NOT NULL DEFAULT '{}';
CREATE INDEX IF NOT EXISTS query_feedback_received ON query_feedback (tenant_id, received_at);
