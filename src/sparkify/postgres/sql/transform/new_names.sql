-- The batch's names that sparkify.names lacks and that could be mis-encoded: ASCII text
-- cannot be (its length in bytes is its length in characters). The loader repairs them with
-- core/names.py and COPYs them in (transform.py) before any play is matched.
SELECT DISTINCT v.name
FROM (
    {{name_candidates(events, staging.events)}}
    UNION ALL
    {{name_candidates(songs, staging.songs)}}
) v
WHERE NOT EXISTS (SELECT 1 FROM sparkify.names n WHERE n.verbatim = v.name);
