-- An item received with a tag given twice kept it twice, and the organisation's trends
-- counted the item twice under it: each tag once, in the order first given.
UPDATE query_feedback SET tags = ARRAY(
    SELECT t FROM unnest(tags) WITH ORDINALITY AS x(t, n) GROUP BY t ORDER BY min(n)
)
WHERE cardinality(tags) > 1
  AND cardinality(tags) > (SELECT count(DISTINCT t) FROM unnest(tags) AS y(t));
