-- An item received with a tag given twice (["sso", "sso"]) kept it twice, and the trends
-- counted the item twice under it: each tag once, in the order first given. (Received
-- events read their tags each once since, so a rebuild gives the same.)
UPDATE feedback_inbox SET tags = ARRAY(
    SELECT t FROM unnest(tags) WITH ORDINALITY AS x(t, n) GROUP BY t ORDER BY min(n)
)
WHERE cardinality(tags) > 1
  AND cardinality(tags) > (SELECT count(DISTINCT t) FROM unnest(tags) AS y(t));
