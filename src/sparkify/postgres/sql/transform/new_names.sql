-- The batch's names that sparkify.names lacks and that could be mis-encoded: ASCII text
-- cannot be (its length in bytes is its length in characters). The loader repairs them with
-- core/names.py and COPYs them in (transform.py) before any play is matched.
SELECT DISTINCT v.name
FROM (
    SELECT song AS name FROM staging.events WHERE octet_length(song) <> char_length(song)
    UNION ALL
    SELECT artist FROM staging.events WHERE octet_length(artist) <> char_length(artist)
    UNION ALL
    SELECT first_name FROM staging.events
    WHERE octet_length(first_name) <> char_length(first_name)
    UNION ALL
    SELECT last_name FROM staging.events WHERE octet_length(last_name) <> char_length(last_name)
    UNION ALL
    SELECT location FROM staging.events WHERE octet_length(location) <> char_length(location)
    UNION ALL
    SELECT title FROM staging.songs WHERE octet_length(title) <> char_length(title)
    UNION ALL
    SELECT artist_name FROM staging.songs
    WHERE octet_length(artist_name) <> char_length(artist_name)
    UNION ALL
    SELECT artist_location FROM staging.songs
    WHERE octet_length(artist_location) <> char_length(artist_location)
) v
WHERE NOT EXISTS (SELECT 1 FROM sparkify.names n WHERE n.verbatim = v.name);
