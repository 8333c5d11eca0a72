-- Spark SQL. The parsed records' distinct names that could be mis-encoded, as the loader's
-- new_names.sql finds them (without its look-up of the names already repaired: a build
-- repairs all it meets). spark/names.py collects them on the driver and repairs them with
-- core/names.py.
SELECT DISTINCT name
FROM (
    {{name_candidates(events, parsed_events)}}
    UNION ALL
    {{name_candidates(songs, parsed_songs)}}
)
