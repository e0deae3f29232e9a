-- The items a team told an item apart from (FeedbackToldApart): not the same request,
-- though alike in words. The likely duplicates leave such a pair apart.
ALTER TABLE feedback_inbox ADD COLUMN IF NOT EXISTS told_apart uuid[] NOT NULL DEFAULT '{}';
