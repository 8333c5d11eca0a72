-- Spark SQL. The kept NextSong events; each takes the song_id and artist_id of the song with
-- its title and artist name whose duration is within the match tolerance of its length, the
-- closest first (rules.MATCH_TOLERANCE and its tie-break), as insert_songplays.sql. Titles and
-- names are compared as repaired (the view `names`, spark/names.py), and the play carries its
-- repaired title and artist name beside the text as received. The catalog is small beside the
-- plays: grouped by title and artist name and sent whole to each task, a play meets all its
-- candidate songs in one look-up and chooses among them in its own row, so no play is moved.
WITH plays AS (
    SELECT e.*, coalesce(nt.repaired, e.song) AS song_title_repaired,
           coalesce(na.repaired, e.artist) AS artist_name_repaired
    FROM events_all e
    LEFT JOIN names nt ON nt.verbatim = e.song
    LEFT JOIN names na ON na.verbatim = e.artist
    WHERE {{is_play(e.page)}} AND NOT e.duplicate
), catalog AS (
    SELECT title, artist, collect_list(struct(duration, song_id, artist_id)) AS songs
    FROM ({{repaired_catalog()}}) c
    GROUP BY title, artist
), matched AS (
    SELECT /*+ BROADCAST(c) */ p.*, {{closest_song(c.songs, p.length)}} AS best
    FROM plays p
    LEFT JOIN catalog c ON {{names_match(c.title, c.artist, p.song_title_repaired,
                                         p.artist_name_repaired)}}
)
SELECT {{ms_to_timestamp(p.ts)}} AS start_time, p.user_id, p.level, p.best.song_id,
       p.best.artist_id, p.session_id, p.item_in_session, p.location, p.user_agent,
       p.song AS song_title, p.artist AS artist_name, p.length AS song_length,
       p.path AS source_path, p.line AS source_line, p.song_title_repaired,
       p.artist_name_repaired,
       year({{ms_to_timestamp(p.ts)}}) AS year, month({{ms_to_timestamp(p.ts)}}) AS month,
       day({{ms_to_timestamp(p.ts)}}) AS day
FROM matched p
