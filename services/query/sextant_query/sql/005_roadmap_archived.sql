-- When a roadmap was archived (RoadmapArchived), null while it is in use: the items the
-- query service lists say they are on a roadmap put away.
ALTER TABLE query_roadmaps ADD COLUMN IF NOT EXISTS archived_at timestamptz;
