-- When a roadmap was archived (RoadmapArchived) and why, null while it is in use: the
-- workspace's list shows those in use, and ?archived=true those put away.
ALTER TABLE roadmaps
    ADD COLUMN IF NOT EXISTS archived_at timestamptz,
    ADD COLUMN IF NOT EXISTS archived_note text;
