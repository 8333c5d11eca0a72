-- Spark SQL. The kept NextSong events; each takes the song_id and artist_id of the song with
-- its title and artist name whose duration is within the match tolerance of its length, the
-- closest first (rules.MATCH_TOLERANCE and its tie-break), as insert_songplays.sql. Titles and
-- names are compared as repaired (the view `names`, spark/names.py), and the play carries its
-- repaired title and artist name beside the text as received. The catalog is small beside the
-- plays: sent whole to each task, so the join moves no plays.
WITH plays AS (
    SELECT e.*, coalesce(nt.repaired, e.song) AS song_title_repaired,
           coalesce(na.repaired, e.artist) AS artist_name_repaired
    FROM events_all e
    LEFT JOIN names nt ON nt.verbatim = e.song
    LEFT JOIN names na ON na.verbatim = e.artist
    WHERE {{is_play(e.page)}} AND NOT e.duplicate
), catalog AS (
    {{repaired_catalog()}}
), matches AS (
    SELECT file_idx, line, song_id, artist_id
    FROM (
        SELECT /*+ BROADCAST(c) */ p.file_idx, p.line, c.song_id, c.artist_id,
               row_number() OVER (PARTITION BY p.file_idx, p.line
                                  ORDER BY {{closest_match(c.duration, p.length, c.song_id)}})
                   AS rank
        FROM plays p
        JOIN catalog c ON {{song_match(c.title, c.artist, c.duration, p.song_title_repaired,
                                       p.artist_name_repaired, p.length)}}
    ) ranked
    WHERE rank = 1
)
SELECT {{ms_to_timestamp(p.ts)}} AS start_time, p.user_id, p.level, m.song_id, m.artist_id,
       p.session_id, p.item_in_session, p.location, p.user_agent, p.song AS song_title,
       p.artist AS artist_name, p.length AS song_length, p.path AS source_path,
       p.line AS source_line, p.song_title_repaired, p.artist_name_repaired,
       year({{ms_to_timestamp(p.ts)}}) AS year, month({{ms_to_timestamp(p.ts)}}) AS month,
       day({{ms_to_timestamp(p.ts)}}) AS day
FROM plays p
LEFT JOIN matches m ON m.file_idx = p.file_idx AND m.line = p.line
